// One real Temporal server per test file (STYLE §11): the dev server from the resolved
// `temporal` binary, or the time-skipping test server; the project's search attributes set.
// Worker, activity and server output goes to the test file's log, not the console
// (test/helpers/test-runtime.ts, test/helpers/quiet-server.ts).
import './test-runtime.js';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resolveTemporalBinary } from '../../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/search-attributes.js';
import { WORKFLOWS_PATH } from '../../src/worker/worker.js';
import { quietServer } from './quiet-server.js';
import { historyText } from './secrets.js';
import { recordLog } from './test-logs.js';
import { refuseInUnitTier } from './unit-guard.js';

/**
 * Before the server goes away, every workflow it ran is written to the shared test log with its
 * payloads decoded (historyText), for the secret scan: "every recorded history".
 */
function keepHistoriesOnTeardown(env: TestWorkflowEnvironment): TestWorkflowEnvironment {
  const teardown = env.teardown.bind(env);
  env.teardown = async () => {
    try {
      for await (const wf of env.client.workflow.list()) {
        const history = await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
        recordLog('histories', `${wf.workflowId}-${wf.runId}`, historyText(history));
      }
    } catch (err) {
      // The time-skipping server has no visibility API: its histories are not listed.
      recordLog('histories', 'not-listed', `histories not listed: ${String(err)}`);
    }
    await teardown();
  };
  return env;
}

export async function startDevEnv(opts: { uiPort?: number } = {}): Promise<TestWorkflowEnvironment> {
  refuseInUnitTier('a Temporal dev server');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      // The resolved binary, or the SDK's own download when RUNBOOK_ALLOW_SDK_DOWNLOAD=1 (DESIGN §2).
      executable: quietServer(resolveTemporalBinary('cli')),
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      extraArgs: ['--log-level', 'error'],
      ...(opts.uiPort !== undefined && { ui: true, uiPort: opts.uiPort }),
    },
  });
  return keepHistoriesOnTeardown(env);
}

const INDEXED_TYPE: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  BOOL: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  refuseInUnitTier('the time-skipping Temporal test server');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: quietServer(resolveTemporalBinary('testServer')) } });
  // The test server has no start-up flag for search attributes; the operator API registers them.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, INDEXED_TYPE[k.type]!])),
  });
  return keepHistoriesOnTeardown(env);
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundles the workflows once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return bundle;
}

const noop = (): void => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

let counter = 0;
/** Unique workflow IDs across tests and runs. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
