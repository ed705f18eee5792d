// A `runbook <command>` as a real child process (bin/runbook.js), the way production runs it:
// its output kept (and recorded for the secret scan), ready when a line says so.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { recordLog } from './test-logs.js';

export interface RunbookProcess<Ready> {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once `readyIn` finds readiness in the output; rejects with the output when it exits first or the deadline passes. */
  ready(deadlineMs?: number): Promise<Ready>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startRunbookProcess<Ready>(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  o: { readyIn: (output: string) => Ready | undefined; deadlineMs: number },
): RunbookProcess<Ready> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/runbook.js'), command, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  let gone = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      gone = true;
      recordLog(`${command}-process`, args.join(' ') || command, out); // for the secret scan
      resolve(code);
    }),
  );
  return {
    child,
    output: () => out,
    exited,
    ready: (deadlineMs = o.deadlineMs) =>
      new Promise<Ready>((resolve, reject) => {
        const deadline = Date.now() + deadlineMs;
        const check = (): void => {
          const ready = o.readyIn(out);
          if (ready !== undefined) return resolve(ready);
          if (gone) return reject(new Error(`runbook ${command} exited before ready:\n${out}`));
          if (Date.now() > deadline) return reject(new Error(`runbook ${command} not ready within ${deadlineMs} ms:\n${out}`));
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
