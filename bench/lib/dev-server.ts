// The benches' Temporal dev server (in memory, free port on loopback, never 7233/8233, with our
// search attributes) and the workflow bundle the worker child loads, built once per run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { resolveTemporalBinary } from '../../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/search-attributes.js';
import { WORKFLOWS_PATH } from '../../src/worker/worker.js';
import { setDevServerTeardown, tempDir } from './cleanup.js';

export interface DevServer {
  env: TestWorkflowEnvironment;
  bundlePath: string;
}

export async function startDevServerAndBundle(): Promise<DevServer> {
  const bin = resolveTemporalBinary('cli');
  if (bin.type !== 'existing-path') throw new Error('the benchmark needs a local temporal binary (npm run tools:temporal)');
  const noop = (): void => undefined;
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: { executable: bin, ip: '127.0.0.1', searchAttributes: SEARCH_ATTRIBUTE_KEYS, extraArgs: ['--log-level', 'error'] },
    }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error } }),
  ]);
  setDevServerTeardown(() => env.teardown());
  if (!/^127\./.test(env.address)) throw new Error(`dev server is not on loopback: ${env.address}`);
  const bundlePath = join(tempDir('work'), 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  return { env, bundlePath };
}
