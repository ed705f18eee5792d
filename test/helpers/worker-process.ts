// `runbook worker` as a real child process (bin/runbook.js), the way production runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { recordLog } from './test-logs.js';

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the worker logs "worker ready"; rejects with its output when it exits first or the deadline passes. */
  ready(deadlineMs?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startWorkerProcess(args: string[], env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/runbook.js'), 'worker', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      recordLog('worker-process', args.join(' ') || 'worker', out); // for the secret scan
      resolve(code);
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    child,
    output: () => out,
    exited,
    ready: (deadlineMs = 90_000) =>
      new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + deadlineMs;
        const check = (): void => {
          if (out.includes('worker ready')) return resolve();
          if (gone) return reject(new Error(`runbook worker exited before ready:\n${out}`));
          if (Date.now() > deadline) return reject(new Error(`runbook worker not ready within ${deadlineMs} ms:\n${out}`));
          setTimeout(check, 100);
        };
        check();
      }),
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!gone) child.kill(signal);
      return exited;
    },
  };
}
