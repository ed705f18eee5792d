// A test file's own log (test/helpers/test-logs.ts): worker and activity lines land under the
// run's log directory, where the end-of-run secret scan finds a secret in them by file and
// line; a failed test is shown the lines it wrote, not the whole file's.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { scanForSecrets } from './secret-scan.js';
import { describeLogTail, FILE_LOG_ENV, fileLogPath, logLine } from './test-logs.js';

const SECRET = 'sekrit-admin-key-456';
const root = mkdtempSync(join(tmpdir(), 'test-logs-test-'));
const saved = process.env[FILE_LOG_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[FILE_LOG_ENV];
  else process.env[FILE_LOG_ENV] = saved;
});
afterEach(() => rmSync(join(root, 'files'), { recursive: true, force: true }));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('per-test-file log', () => {
  it('is where the secret scan looks: a secret in a worker line is found by file and line', () => {
    process.env[FILE_LOG_ENV] = fileLogPath(root, join(process.cwd(), 'test', 'workflows', 'slots.test.ts'));
    logLine('2026-12-08T01:09:26.132Z [INFO] Worker state changed {"state":"RUNNING"}');
    logLine(`2026-12-08T01:09:27.000Z [WARN] Activity failed {"error":"curl -H 'X-Admin-Key: ${SECRET}'"}`);
    expect(scanForSecrets(root, { 'admin key': SECRET })).toEqual([
      { file: join('files', 'test_workflows_slots.test.ts.log'), line: 2, secret: 'admin key' },
    ]);
  });

  it('shows a failed test the lines written since it started, the last ones, each cut short', () => {
    const log = join(root, 'tail.log');
    writeFileSync(log, 'an earlier test\n');
    const from = 'an earlier test\n'.length;
    appendFileSync(log, `${Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n')}\n${'x'.repeat(1000)}\n`);
    const tail = describeLogTail(log, from, { lines: 5, width: 50 })!;
    expect(tail).toContain(`last 5 of 101 lines; whole file: ${log}`);
    expect(tail).not.toContain('an earlier test');
    expect(tail.split('\n').slice(1)).toEqual(['line 96', 'line 97', 'line 98', 'line 99', `${'x'.repeat(50)} …`]);
    expect(describeLogTail(log, from + 10_000)).toBeUndefined();
    expect(describeLogTail(join(root, 'missing.log'), 0)).toBeUndefined();
  });
});
