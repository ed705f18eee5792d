// `runbook webhook` as a real child process (bin/runbook.js) on a free port, the way production runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { recordLog } from './test-logs.js';

export interface WebhookProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with http://host:port once it logs "webhook ready"; rejects with its output when it exits first or the deadline passes. */
  ready(deadlineMs?: number): Promise<string>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function startWebhookProcess(args: string[], env: NodeJS.ProcessEnv): WebhookProcess {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/runbook.js'), 'webhook', '--port', '0', ...args], {
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
      recordLog('webhook-process', args.join(' ') || 'webhook', out); // for the secret scan
      resolve(code);
    }),
  );
  return {
    child,
    output: () => out,
    exited,
    ready: (deadlineMs = 60_000) =>
      new Promise<string>((resolve, reject) => {
        const deadline = Date.now() + deadlineMs;
        const check = (): void => {
          const url = /webhook ready.*?(http:\/\/[^\s"/]+)\/alerts\/alertmanager/.exec(out)?.[1];
          if (url !== undefined) return resolve(url);
          if (gone) return reject(new Error(`runbook webhook exited before ready:\n${out}`));
          if (Date.now() > deadline) return reject(new Error(`runbook webhook not ready within ${deadlineMs} ms:\n${out}`));
          setTimeout(check, 100);
        };
        check();
      }),
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
  };
}
