// Real clients for the simulator's real servers: SSH via ssh2 (host key checked against the
// written known_hosts), HTTP via fetch, raw TCP via net.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { waitFor } from '../helpers/wait.js';

export interface ExecResult {
  /** null when the connection dropped before an exit status arrived. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SshOpts {
  /** Send `script` as stdin of a shell session (`ssh host << 'EOF'`) instead of exec. */
  shell?: boolean;
  stdin?: string;
  privateKey?: string;
  knownHosts?: string;
  port?: number;
  username?: string;
}

function knownKeys(file: string, host: string, port: number): Buffer[] {
  const out: Buffer[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [hosts, , b64] = line.split(' ');
    if (hosts === undefined || b64 === undefined) continue;
    if (hosts.split(',').includes(`[${host}]:${port}`)) out.push(Buffer.from(b64, 'base64'));
  }
  return out;
}

export function ssh(sim: SimulatorHandle, host: string, command: string, o: SshOpts = {}): Promise<ExecResult> {
  const port = o.port ?? 2222;
  const known = knownKeys(o.knownHosts ?? join(sim.dir, 'known_hosts'), host, port);
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    let stdout = '';
    let stderr = '';
    let code: number | null = null;
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      c.end();
      resolve({ code, stdout, stderr });
    };
    c.on('error', (e) => {
      if (settled) return;
      if (stdout !== '' || stderr !== '') return done();
      settled = true;
      reject(e);
    });
    c.on('close', done);
    c.on('ready', () => {
      const onStream = (err: Error | undefined, stream: ssh2.ClientChannel): void => {
        if (err) return reject(err);
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        // A shell killed by a signal arrives as exit-signal: report it as bash would (128 + n).
        stream.on('exit', (c0: number | null, sig?: string) => (code = c0 ?? (sig === 'SIGTERM' ? 143 : sig === 'SIGKILL' ? 137 : null)));
        stream.on('close', done);
        if (o.shell === true) stream.end(command);
        else stream.end(o.stdin ?? '');
      };
      if (o.shell === true) c.shell(false, onStream);
      else c.exec(command, onStream);
    });
    c.connect({
      host,
      port,
      username: o.username ?? 'ubuntu',
      privateKey: o.privateKey ?? readFileSync(join(sim.dir, 'id_cluster'), 'utf8'),
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => known.some((k) => k.equals(key)),
    });
  });
}

// JSON bodies are checked with toMatchObject; typing every endpoint here would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

/**
 * What a raw TCP connect sees: refused, reset, data, or silence (accepted, nothing said for
 * `waitMs` after the connection was accepted). The silence window starts at the accept, so a
 * slow machine never turns a refusal that is still on its way into "silent"; a connection
 * that is neither accepted nor refused within `connectMs` is silent too (a black hole).
 */
export function tcpProbe(host: string, port: number, waitMs = 400, connectMs = 10_000): Promise<'refused' | 'reset' | 'silent' | 'data' | 'closed'> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let connected = false;
    const silent = (): void => {
      s.destroy();
      resolve('silent');
    };
    let t = setTimeout(silent, connectMs);
    s.on('connect', () => {
      connected = true;
      clearTimeout(t);
      t = setTimeout(silent, waitMs);
    });
    s.on('data', () => {
      clearTimeout(t);
      s.destroy();
      resolve('data');
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' ? 'reset' : 'closed');
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve(connected ? 'closed' : 'refused');
    });
  });
}

/** Polls until `fn` returns a truthy value (the simulator's changes take simulated time). */
export function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  return waitFor(what, fn, { timeoutMs, intervalMs: 50 });
}

export const node = (sim: SimulatorHandle, i: number) => sim.state().nodes[i]!;
