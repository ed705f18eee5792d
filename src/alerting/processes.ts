// Runs Debian's `prometheus` and `prometheus-alertmanager` as child processes: found on PATH,
// bound to loopback on ports the OS hands out, ready when `/-/ready` answers, stopped with
// SIGTERM (SIGKILL after 10 s). Used by `runbook dev --alerting` and the tests' alerting stack.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Thrown when a binary is not installed; says which package provides it. */
export class AlertingBinaryMissingError extends Error {
  override readonly name = 'AlertingBinaryMissingError';
}

/** Thrown when a process exits or does not get ready in time; carries its last output. */
export class AlertingProcessError extends Error {
  override readonly name = 'AlertingProcessError';
}

export const ALERTING_BINARIES = {
  prometheus: { names: ['prometheus'], pkg: 'prometheus' },
  alertmanager: { names: ['prometheus-alertmanager', 'alertmanager'], pkg: 'prometheus-alertmanager' },
} as const;
export type AlertingBinary = keyof typeof ALERTING_BINARIES;

/** Absolute path of the binary, or undefined when none of its names is on PATH. */
export function findAlertingBinary(which: AlertingBinary, path = process.env['PATH'] ?? ''): string | undefined {
  for (const name of ALERTING_BINARIES[which].names) {
    for (const dir of path.split(delimiter)) {
      if (dir === '') continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export function requireAlertingBinary(which: AlertingBinary): string {
  const path = findAlertingBinary(which);
  if (path !== undefined) return path;
  const b = ALERTING_BINARIES[which];
  throw new AlertingBinaryMissingError(
    `${b.names.join(' / ')} not found on PATH: install the Debian package (apt-get install ${b.pkg}), or run without --alerting`,
  );
}

/** A loopback port the OS just handed out (listen on 0, then release it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  readonly url: string;
  /** The last few KiB of its output, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `bin args`, waits until `${url}/-/ready` answers 200 (deadline), else stops it and throws. */
export async function startReadyProcess(name: string, bin: string, args: string[], url: string, readyTimeoutMs = 30_000): Promise<RunningProcess> {
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer): void => {
    output = (output + b.toString()).slice(-6000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const gone = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  child.once('error', (e) => keep(Buffer.from(`spawn failed: ${e.message}\n`)));

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) throw new AlertingProcessError(`${name} exited before it was ready:\n${output}`);
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
      await r.body?.cancel();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new AlertingProcessError(`${name} was not ready at ${url} within ${readyTimeoutMs / 1000} s:\n${output}`);
    }
    await delay(200);
  }
  return { url, output: () => output, stop };
}
