// vitest globalSetup: one fresh shared log directory per `vitest run` (test/helpers/test-logs.ts).
// After every test file finished:
// - no process the suite started may still run (test/helpers/leftovers.ts): the run fails naming
//   each with its command line and the file that started it, and they are killed, so a leak
//   never outlives the run that found it;
// - the directory is scanned for secrets (no admin key, SSH private key or token in any history or
//   log: docs/explanation/safety.md); a secret anywhere fails the run and names the file and line.
// A clean directory of a green run is removed (kept with RUNBOOK_KEEP_TEST_LOGS=1); a dirty one,
// or one with a failed test (its per-file logs, test/setup/file-log.ts), is kept to look at.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canCheckLeftovers, describeLeftovers, findLeftovers, killLeftovers, type Leftover } from './helpers/leftovers.js';
import { describeFindings, scanForSecrets } from './helpers/secret-scan.js';
import { FAILED_SUBDIR, SECRETS_SUBDIR, TEST_LOG_DIR_ENV } from './helpers/test-logs.js';

function registeredSecrets(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  let files: string[] = [];
  try {
    files = readdirSync(join(root, SECRETS_SUBDIR));
  } catch {
    return out;
  }
  for (const f of files) Object.assign(out, JSON.parse(readFileSync(join(root, SECRETS_SUBDIR, f), 'utf8')) as Record<string, string>);
  return out;
}

/**
 * What still runs once the processes that were told to stop had a moment to finish exiting (a
 * stop that signalled without waiting is not a leak); whatever is still there after 5 s is.
 */
async function leftoversAfterExiting(root: string): Promise<Leftover[]> {
  const end = Date.now() + 5_000;
  for (;;) {
    const found = findLeftovers(root);
    if (found.length === 0 || Date.now() > end) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export default function setup(): () => Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'runbook-test-logs-'));
  // Forked test workers, and every process they start, inherit the environment of this process.
  process.env[TEST_LOG_DIR_ENV] = root;
  return async () => {
    const failures: string[] = [];
    if (canCheckLeftovers) {
      const left = await leftoversAfterExiting(root);
      if (left.length > 0) {
        killLeftovers(left);
        failures.push(
          `left running: ${left.length} process(es) the test suite started were still running after it (now killed). ` +
            `End every process you start on every path (test/helpers/process-group.ts, docs/contributing/processes-in-tests.md):\n${describeLeftovers(left)}`,
        );
      }
    } else {
      console.warn('leftover-process check skipped: no /proc on this machine');
    }
    const secrets = registeredSecrets(root);
    // The environment's own secrets too (a token set for a test run must not leak either).
    for (const name of ['RUNBOOK_ADMIN_KEY', 'RUNBOOK_WEBHOOK_TOKEN', 'TEMPORAL_API_KEY']) {
      const v = process.env[name];
      if (v && v.length >= 8) secrets[`$${name}`] = v;
    }
    const found = scanForSecrets(root, secrets, join(root, SECRETS_SUBDIR));
    if (found.length > 0) failures.push(`secret scan: secrets in the test logs under ${root}:\n${describeFindings(found)}`);
    if (failures.length > 0) throw new Error(failures.join('\n\n'));
    if (existsSync(join(root, FAILED_SUBDIR))) console.log(`a test failed: its worker, activity and server logs are kept in ${root}/files`);
    else if (process.env['RUNBOOK_KEEP_TEST_LOGS'] === '1') console.log(`test logs kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
