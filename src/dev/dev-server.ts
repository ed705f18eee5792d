// Runs `temporal server start-dev` as a child process: SQLite under .data/, Web UI, the
// project's search attributes registered. Resolves once the frontend accepts connections.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { resolveTemporalBinary } from '../temporal/binaries.js';
import { searchAttributeFlags } from '../temporal/search-attributes.js';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** Thrown when the dev server exits or does not listen in time; carries its last output. */
export class DevServerStartError extends Error {
  override readonly name = 'DevServerStartError';
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface DevServerOptions {
  dataDir: string;
  ip?: string;
  port?: number;
  uiPort?: number;
  /**
   * Run it in its own process group, so a terminal's Ctrl-C (sent to the whole foreground group)
   * does not kill it before the workers using it have shut down; stop() then ends the group, and
   * the parent's exit does too.
   */
  ownProcessGroup?: boolean;
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const bin = resolveTemporalBinary('cli');
  if (bin.type !== 'existing-path') throw new DevServerStartError('the dev server needs a local temporal binary');
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? 8233;
  if (await portOpen(ip, port)) {
    throw new DevServerStartError(`port ${ip}:${port} is already in use (another Temporal server running?)`);
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    join(opts.dataDir, 'temporal.db'),
    '--ip',
    ip,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    'warn',
    ...searchAttributeFlags(),
  ];
  const child: ChildProcess = spawn(bin.path, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.ownProcessGroup === true });
  const signal = (sig: NodeJS.Signals): void => {
    try {
      if (opts.ownProcessGroup === true && child.pid !== undefined) process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // already gone
    }
  };
  // A detached server outlives its parent unless told: end it whenever the parent exits.
  const onExit = (): void => signal('SIGKILL');
  if (opts.ownProcessGroup === true) process.once('exit', onExit);
  let output = '';
  const keep = (b: Buffer): void => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    process.off('exit', onExit);
  });

  const stop = async (): Promise<void> => {
    if (exited) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 60_000;
  while (!(await portOpen(ip, port))) {
    if (exited) throw new DevServerStartError(`temporal server start-dev exited:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new DevServerStartError(`temporal server start-dev did not listen on ${ip}:${port} within 60 s:\n${output}`);
    }
    await delay(200);
  }
  return { address: `${ip}:${port}`, uiUrl: `http://${ip}:${uiPort}`, stop };
}
