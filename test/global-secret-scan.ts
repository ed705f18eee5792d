// vitest globalSetup: one fresh shared log directory per `vitest run` (test/helpers/test-logs.ts),
// scanned for secrets after every test file finished. A secret anywhere fails the run and names
// the file and line (issue 11: no admin key, SSH private key or token in any history or log).
// A clean directory is removed (kept with RUNBOOK_KEEP_TEST_LOGS=1); a dirty one is kept to look at.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFindings, scanForSecrets } from './helpers/secret-scan.js';
import { SECRETS_SUBDIR, TEST_LOG_DIR_ENV } from './helpers/test-logs.js';

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

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'runbook-test-logs-'));
  // Forked test workers inherit the environment of this process.
  process.env[TEST_LOG_DIR_ENV] = root;
  return () => {
    const secrets = registeredSecrets(root);
    // The environment's own secrets too (a token set for a test run must not leak either).
    for (const name of ['RUNBOOK_ADMIN_KEY', 'RUNBOOK_WEBHOOK_TOKEN', 'TEMPORAL_API_KEY']) {
      const v = process.env[name];
      if (v && v.length >= 8) secrets[`$${name}`] = v;
    }
    const found = scanForSecrets(root, secrets, join(root, SECRETS_SUBDIR));
    if (found.length > 0) {
      throw new Error(`secret scan: secrets in the test logs under ${root}:\n${describeFindings(found)}`);
    }
    if (process.env['RUNBOOK_KEEP_TEST_LOGS'] === '1') console.log(`test logs kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
