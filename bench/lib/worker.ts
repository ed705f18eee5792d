// The diagnose worker for one size: bench/worker-process.ts in a child process of its own, so
// the peak RSS read from /proc is the worker's and nothing else's.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, ROOT, WORKER_ENV, WORKER_NODE_FLAGS } from './bench-config.js';
import { track, waitForLine } from './child-processes.js';
import type { Sim } from './simulator.js';

export interface WorkerProc {
  proc: ChildProcess;
  taskQueue: string;
}

/**
 * The compiled worker (`npm run build:bench`, which every bench script runs first), as production
 * runs compiled code: under tsx each error's stack is mapped through source maps and a loader
 * thread rides along, which cost the sweep CPU and the worker ~30 MB that production never pays.
 * $BENCH_WORKER=tsx runs the sources instead, with `node --import tsx` (not the tsx CLI, which
 * forks): the PID we sample is the worker itself.
 */
function workerEntry(): string[] {
  if (process.env['BENCH_WORKER'] === 'tsx') return ['--import', 'tsx', join(ROOT, 'bench/worker-process.ts')];
  const compiled = join(ROOT, 'dist-bench/bench/worker-process.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build:bench\` (the bench:* scripts do), or set BENCH_WORKER=tsx`);
  return [compiled];
}

/** `taskQueue`: the one `runbook webhook` starts incidents on (bench/alerts); else a fresh one. */
export async function startWorker(address: string, sim: Sim, bundlePath: string, nodes: number, taskQueue = `bench-diagnose-${nodes}-${process.pid}-${Date.now().toString(36)}`): Promise<WorkerProc> {
  // $BENCH_WORKER_FLAGS (space-separated) adds node flags for a look inside, e.g. `--cpu-prof`.
  const extra = (process.env['BENCH_WORKER_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const entry = workerEntry();
  const args = [...WORKER_NODE_FLAGS, ...extra, ...entry, '--address', address, '--task-queue', taskQueue, '--hosts', sim.hostsFile, '--bundle', bundlePath];
  const proc = track(spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...WORKER_ENV, RUNBOOK_ADMIN_KEY: ADMIN_KEY }, stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitForLine(proc, 'worker process', 'ready', 120_000);
  return { proc, taskQueue };
}
