// Scans a directory of test logs and dumped histories for secrets: each registered secret, its
// base64 form (a payload or header kept encoded), and any PEM private key armour at all (a key
// nobody registered is still a key). Findings name the file, line and secret, never its text.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const PRIVATE_KEY_ARMOUR = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export interface SecretFinding {
  file: string;
  line: number;
  secret: string;
}

function filesUnder(root: string, skip: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (p === skip) continue;
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, skip));
    else out.push(p);
  }
  return out;
}

/** Every file under `root` except `skip` (the registered secrets themselves). */
export function scanForSecrets(root: string, secrets: Record<string, string>, skip = ''): SecretFinding[] {
  const forms = Object.entries(secrets)
    .filter(([, s]) => s.length > 0)
    .flatMap(([name, s]) => [
      { name, text: s },
      { name: `${name} (base64)`, text: Buffer.from(s).toString('base64') },
    ]);
  const found: SecretFinding[] = [];
  for (const file of filesUnder(root, skip)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const rel = relative(root, file);
    for (const f of forms) {
      const i = lines.findIndex((l) => l.includes(f.text));
      if (i >= 0) found.push({ file: rel, line: i + 1, secret: f.name });
    }
    const k = lines.findIndex((l) => PRIVATE_KEY_ARMOUR.test(l));
    if (k >= 0) found.push({ file: rel, line: k + 1, secret: 'a PEM private key' });
  }
  return found;
}

export function describeFindings(found: SecretFinding[]): string {
  return found.map((f) => `${f.secret} in ${f.file}:${f.line}`).join('\n');
}
