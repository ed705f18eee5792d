// Everything the benchmark leaves behind — child processes, the dev server, temp dirs — is
// removed on every way out: normal end, error, Ctrl-C/SIGTERM, or a stray process.exit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllChildren, stopAllChildren } from './child-processes.js';

const tempDirs = new Set<string>();
/** The dev server's teardown; run after the children, which are its clients. */
let devServerTeardown: (() => Promise<void>) | undefined;
let cleaning: Promise<void> | undefined;
let interrupted = false;

/** A fresh temp dir, removed by cleanup if the caller does not remove it first. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `bench-diagnose-${prefix}-`));
  tempDirs.add(d);
  return d;
}

function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

/** Removes the temp dirs whose path matches, e.g. one cluster size's once it is done. */
export function removeTempDirs(matches: (dir: string) => boolean): void {
  for (const d of [...tempDirs]) if (matches(d)) removeDir(d);
}

export function setDevServerTeardown(teardown: () => Promise<void>): void {
  devServerTeardown = teardown;
}

/** Idempotent: stops the children, then the dev server, then removes the temp dirs. */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAllChildren(5_000);
    await devServerTeardown?.().catch(() => undefined);
    devServerTeardown = undefined;
    for (const d of [...tempDirs]) removeDir(d);
  })();
  return cleaning;
}

/** True once SIGINT/SIGTERM arrived: later failures are just children being stopped under us. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** Call once, before starting anything. */
export function installExitCleanup(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      interrupted = true;
      console.error(`\n${sig}: stopping children and removing temp dirs…`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  // Last resort (uncaught error, process.exit elsewhere): nothing may outlive us.
  process.once('exit', () => {
    killAllChildren();
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });
}
