// The SDK runtime of a test process: the worker's, the activities' and Core's own log lines
// (Core's native lines are forwarded, not printed by Core itself) go to the current test file's
// log (test/helpers/test-logs.ts), never the console: a green run stays readable, a failed test
// prints the lines it wrote (test/setup/file-log.ts), and the secret scan reads them all.
// Imported for its effect, before any worker or connection exists in the process.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { logLine } from './test-logs.js';

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return String(v);
  }
}

/** The test file's log as an SDK logger (also for bundleWorkflowCode, whose default prints webpack's report). */
export const testLogger = new DefaultLogger('INFO', (entry) => {
  const at = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  logLine(`${at} [${entry.level}] ${entry.message}${entry.meta ? ` ${safeJson(entry.meta)}` : ''}`);
});

Runtime.install({
  logger: testLogger,
  telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
});
