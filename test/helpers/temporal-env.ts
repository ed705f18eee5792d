// One real Temporal server per test file (STYLE §11): the dev server from the resolved
// `temporal` binary, or the time-skipping test server; the project's search attributes set.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resolveTemporalBinary } from '../../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/search-attributes.js';
import { WORKFLOWS_PATH } from '../../src/worker/worker.js';

// Worker state chatter would bury test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

function existing(kind: 'cli' | 'testServer'): { type: 'existing-path'; path: string } {
  const bin = resolveTemporalBinary(kind);
  if (bin.type !== 'existing-path') throw new Error(`tests need a local ${kind} binary`);
  return bin;
}

export async function startDevEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: existing('cli'),
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      extraArgs: ['--log-level', 'error'],
    },
  });
}

export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: existing('testServer') } });
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
