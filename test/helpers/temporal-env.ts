// One real Temporal server per test file (STYLE §11): the dev server from the resolved
// `temporal` binary, or the time-skipping test server; the project's search attributes set.
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resolveTemporalBinary } from '../../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/search-attributes.js';
import { WORKFLOWS_PATH } from '../../src/worker/worker.js';
import { historyText } from './secrets.js';
import { appendLog, recordLog } from './test-logs.js';

// Worker state chatter would bury test output: warnings and errors show, and everything from
// INFO up goes to the shared test log, which the secret scan reads (test/global-secret-scan.ts).
const WARN_OR_WORSE = new Set(['WARN', 'ERROR']);
Runtime.install({
  logger: new DefaultLogger('INFO', (entry) => {
    const line = `${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${entry.meta ? ` ${safeJson(entry.meta)}` : ''}`;
    appendLog('worker', line);
    if (WARN_OR_WORSE.has(entry.level)) console.error(line);
  }),
});

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return String(v);
  }
}

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
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      // The resolved binary, or the SDK's own download when RUNBOOK_ALLOW_SDK_DOWNLOAD=1 (DESIGN §2).
      executable: resolveTemporalBinary('cli'),
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
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTemporalBinary('testServer') } });
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
