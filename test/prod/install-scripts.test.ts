// Clean install (npm allowScripts): every dependency with an install script has a decision in
// package.json, so `npm install` / `npm ci` print no warning about unreviewed install scripts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { hasInstallScript?: boolean }>;
};

describe('install scripts', () => {
  it('every locked package with an install script is allowed or denied by name in package.json', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((k) => k.replace(/(.)@[^@]*$/, '$1')));
    expect(withScripts.filter((name) => !decided.has(name))).toEqual([]);
  });

  it('npm itself finds no unreviewed install script in the installed tree', () => {
    const r = spawnSync('npm', ['approve-scripts', '--allow-scripts-pending'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    if (r.status !== 0 && /Unknown command/i.test(r.stderr + r.stdout)) {
      console.warn(`npm ${spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim()} has no allowScripts support; nothing to check`);
      return;
    }
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('No packages with unreviewed install scripts');
  });
});
