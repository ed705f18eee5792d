// vitest setupFiles (both tiers): each test file's worker, activity and server output goes to
// its own log under the run's log directory (test/helpers/test-logs.ts) instead of the console.
// A failed test prints the lines it wrote there; a hook that fails (a server that never came
// up) prints the file's log so far. A failure also keeps the whole log directory after the run
// (test/global-secret-scan.ts says where), where the secret scan read these logs like the rest.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeEach, expect, type RunnerTask } from 'vitest';
import { describeLogTail, FAILED_SUBDIR, FILE_LOG_ENV, fileLogPath, safeName, TEST_LOG_DIR_ENV } from '../helpers/test-logs.js';

const root = process.env[TEST_LOG_DIR_ENV];
const testPath = expect.getState().testPath;
const log = root && testPath ? fileLogPath(root, testPath) : undefined;

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function markFailed(what: string): void {
  if (!root || !testPath) return;
  mkdirSync(join(root, FAILED_SUBDIR), { recursive: true });
  writeFileSync(join(root, FAILED_SUBDIR, safeName(relative(process.cwd(), testPath))), `${what}\n`);
}

function hookFailed(task: RunnerTask): boolean {
  if (task.type !== 'suite') return false;
  return (task.result?.errors?.length ?? 0) > 0 || task.tasks.some(hookFailed);
}

if (log) {
  mkdirSync(dirname(log), { recursive: true });
  // Inherited by every process the test starts (the Temporal server's wrapper writes here too).
  process.env[FILE_LOG_ENV] = log;

  beforeEach((ctx) => {
    const from = sizeOf(log);
    ctx.onTestFailed(() => {
      markFailed(ctx.task.name);
      const tail = describeLogTail(log, from);
      if (tail) console.error(tail);
    });
  });

  afterAll((file) => {
    if (!hookFailed(file)) return;
    markFailed('a hook failed');
    const tail = describeLogTail(log, 0, { of: 'this test file (a hook failed)' });
    if (tail) console.error(tail);
  });
}
