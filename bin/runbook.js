#!/usr/bin/env node
// Launcher for `npx runbook`: the compiled CLI (dist/, `npm run build`) when it exists and is
// at least as new as the sources, else the TypeScript sources through tsx, in this same process
// (no child process, so signals and exit codes pass through untouched). A fresh clone needs no
// build; a stale build is never run by mistake.
import { existsSync, readdirSync, statSync } from 'node:fs';
import process from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');

/** Newest modification time under the source directories (absent in the production image). */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function useCompiled() {
  if (process.env.RUNBOOK_TSX === '1' || !existsSync(compiled)) return false;
  const built = statSync(compiled).mtimeMs;
  return ['src', 'workflows', 'activities'].every((d) => newestSource(join(root, d)) <= built);
}

if (useCompiled()) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
