// A `runbook <command>` as a real child process (bin/runbook.js), the way production runs it:
// its output kept (and recorded for the secret scan), ready when a line says so. It runs in its
// own process group (test/helpers/process-group.ts): stop() ends it and anything it started.
import { type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { spawnInGroup, tail } from './process-group.js';
import { recordLog } from './test-logs.js';

export interface RunbookProcess<Ready> {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once `readyIn` finds readiness in the output; rejects with what it waited for and the output's tail when it exits first or the deadline passes. */
  ready(deadlineMs?: number): Promise<Ready>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** `signal` to its process group, SIGKILL after a grace period; resolves with the exit code once the whole group is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startRunbookProcess<Ready>(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  o: { readyIn: (output: string) => Ready | undefined; deadlineMs: number; /** What readyIn looks for, for the failure message. */ readyWhen: string },
): RunbookProcess<Ready> {
  const p = spawnInGroup(process.execPath, [join(PROJECT_ROOT, 'bin/runbook.js'), command, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let gone = false;
  const exited = p.exited.then((code) => {
    gone = true;
    recordLog(`${command}-process`, args.join(' ') || command, p.output()); // for the secret scan
    return code;
  });
  const failure = (why: string): Error =>
    new Error(`runbook ${command} ${why}; waited for ${o.readyWhen}; its output:\n${tail(p.output()) || '(none)'}`);
  return {
    child: p.child,
    output: p.output,
    exited,
    ready: (deadlineMs = o.deadlineMs) =>
      new Promise<Ready>((resolve, reject) => {
        const deadline = Date.now() + deadlineMs;
        const check = (): void => {
          const ready = o.readyIn(p.output());
          if (ready !== undefined) return resolve(ready);
          if (gone) return reject(failure(`exited (code ${p.child.exitCode}, signal ${p.child.signalCode}) before it was ready`));
          if (Date.now() > deadline) return reject(failure(`was not ready within ${deadlineMs} ms`));
          setTimeout(check, 100);
        };
        check();
      }),
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      await p.stop({ signal });
      return exited;
    },
  };
}
