// Creates the worker that runs every procedure on the project's task queue.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../../activities/index.js';
import { connectFailureMessage, type TemporalConnectionConfig } from '../temporal/connection-config.js';
import { TASK_QUEUE } from '../temporal/settings.js';
import { KILL_POINT_ENV, killPointInterceptors, parseKillPoint } from './kill-point.js';

/** True when this module runs from the compiled build (dist/), false under tsx. */
const COMPILED = import.meta.url.endsWith('.js');
/** The workflow entry next to this module: index.ts under tsx, index.js in dist/. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../../workflows/index.${COMPILED ? 'js' : 'ts'}`, import.meta.url));
/**
 * `npm run build` writes the webpacked workflows here (dist/workflow-bundle.js). Only the
 * compiled build uses it: under tsx the sources may be newer than any bundle on disk.
 */
export const PREBUILT_BUNDLE_PATH = fileURLToPath(new URL('../../workflow-bundle.js', import.meta.url));

/**
 * Test-only: a bundle the test suite built once from these very sources, so a suite that starts
 * dozens of worker processes (the kill points, docs/explanation/durability.md) does not webpack at every start.
 */
export const TEST_BUNDLE_ENV = 'RUNBOOK_TEST_WORKFLOW_BUNDLE';

export function prebuiltBundle(): WorkerOptions['workflowBundle'] | undefined {
  const testBundle = process.env[TEST_BUNDLE_ENV];
  if (testBundle) return { codePath: testBundle };
  return COMPILED && existsSync(PREBUILT_BUNDLE_PATH) ? { codePath: PREBUILT_BUNDLE_PATH } : undefined;
}

export interface RunbookWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  taskQueue?: string;
  /** Pre-built bundle (the compiled build's, or the tests' bundle-once); else workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createRunbookWorker(opts: RunbookWorkerOptions): Promise<Worker> {
  const killPoint = parseKillPoint(process.env[KILL_POINT_ENV]); // test-only crash hook, see kill-point.ts
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.deps),
    ...(killPoint && { interceptors: { activity: killPointInterceptors(killPoint) } }),
  });
}

/** A plain address (the embedded dev server) or a resolved envconfig profile (production). */
export async function connectWorker(target: string | TemporalConnectionConfig): Promise<NativeConnection> {
  if (typeof target === 'string') return NativeConnection.connect({ address: target });
  try {
    return await NativeConnection.connect(target.connectionOptions);
  } catch (err) {
    throw new Error(connectFailureMessage(target, err), { cause: err });
  }
}
