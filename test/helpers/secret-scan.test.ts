// The log scan behind the run-wide secret check (test/global-secret-scan.ts) can fail: a
// registered secret, its base64 form, or any PEM private key in any file is found and named by
// file and line, never by its text; the registered secrets' own directory is not scanned.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFindings, scanForSecrets } from './secret-scan.js';

const SECRET = 'sekrit-admin-key-123';
let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'secret-scan-test-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

describe('scanForSecrets', () => {
  it('names the file and line of a secret, its base64 form and a private key, never the secret', () => {
    const r = tree({
      'cli/1-retry.log': `$ runbook retry\nexit 0\ncurl -H 'X-Admin-Key: ${SECRET}'\n`,
      'histories/wf-1.log': `header ${Buffer.from(SECRET).toString('base64')}\n`,
      'worker/9.log': 'ok\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n',
      'secrets/1.json': JSON.stringify({ 'admin key': SECRET }),
    });
    const found = scanForSecrets(r, { 'admin key': SECRET }, join(r, 'secrets'));
    expect(found).toEqual(
      expect.arrayContaining([
        { file: join('cli', '1-retry.log'), line: 3, secret: 'admin key' },
        { file: join('histories', 'wf-1.log'), line: 1, secret: 'admin key (base64)' },
        { file: join('worker', '9.log'), line: 2, secret: 'a PEM private key' },
      ]),
    );
    expect(found).toHaveLength(3); // the secrets directory itself is skipped
    expect(describeFindings(found)).not.toContain(SECRET);
  });

  it('finds nothing in clean logs', () => {
    const r = tree({ 'cli/1.log': 'exit 0\nreset wf to before triggerSync\n' });
    expect(scanForSecrets(r, { 'admin key': SECRET })).toEqual([]);
  });
});
