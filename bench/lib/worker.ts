// The diagnose worker for one size: bench/worker-process.ts in a child process of its own, so
// the peak RSS read from /proc is the worker's and nothing else's.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ADMIN_KEY, ROOT, WORKER_NODE_FLAGS } from './bench-config.js';
import { track, waitForLine } from './child-processes.js';
import type { Sim } from './simulator.js';

export interface WorkerProc {
  proc: ChildProcess;
  taskQueue: string;
}

/** `taskQueue`: the one `runbook webhook` starts incidents on (bench/alerts); else a fresh one. */
export async function startWorker(address: string, sim: Sim, bundlePath: string, nodes: number, taskQueue = `bench-diagnose-${nodes}-${process.pid}-${Date.now().toString(36)}`): Promise<WorkerProc> {
  // $BENCH_WORKER_FLAGS (space-separated) adds node flags for a look inside, e.g. `--cpu-prof`.
  const extra = (process.env['BENCH_WORKER_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const args = [...WORKER_NODE_FLAGS, ...extra, '--import', 'tsx', join(ROOT, 'bench/worker-process.ts'), '--address', address, '--task-queue', taskQueue, '--hosts', sim.hostsFile, '--bundle', bundlePath];
  // `node --import tsx` (not the tsx CLI, which forks): the PID we sample is the worker itself.
  const proc = track(spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, RUNBOOK_ADMIN_KEY: ADMIN_KEY }, stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitForLine(proc, 'worker process', 'ready', 120_000);
  return { proc, taskQueue };
}
