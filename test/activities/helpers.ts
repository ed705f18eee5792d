// Real loopback servers for activity tests (127.41.x.y–127.49.x.y only), cluster/policy builders
// and a MockActivityEnvironment runner that records heartbeats.
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { Server as SshServer, utils as sshUtils, type ParsedKey } from 'ssh2';
import { timingSafeEqual } from 'node:crypto';
import { defaultPolicy } from '../../src/config/loader.js';
import type { ClusterSpec, HostSpec, Ports } from '../../src/domain/cluster-spec.js';
import type { RunbookPolicy } from '../../src/domain/policy.js';
import { generateKey } from '../../src/sim/ssh-server.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface Running {
  port: number;
  close(): Promise<void>;
}

/** A node:http server on `address`, random port. */
export async function startHttp(address: string, handler: Handler, port = 0): Promise<Running & { server: HttpServer }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  return {
    server,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A "dead host": accepts TCP connections and never says a word. `onAccept` sees each one arrive. */
export async function startDeadHost(address: string, port = 0, onAccept?: () => void): Promise<Running & { accepted: () => number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: NetServer = createNetServer((s) => {
    accepted++;
    onAccept?.();
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on `address` that refuses connections: bind, note the port, close. */
export async function refusedPort(address: string): Promise<number> {
  const s = await startDeadHost(address);
  await s.close();
  return s.port;
}

/** A plain TCP server that writes `greeting` on connect (e.g. an SSH banner) and keeps the socket. */
export async function startBanner(address: string, greeting: string, port = 0, onAccept?: () => void): Promise<Running> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    onAccept?.();
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.write(greeting);
  });
  await new Promise<void>((resolve) => server.listen(port, address, () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `act-${prefix}-`));
}

export function host(name: string, address: string, ports: Partial<Ports>, extra: Partial<HostSpec> = {}): HostSpec {
  return {
    name,
    host: address,
    provider: 'unknown',
    ports: { ssh: 22, http_api: 8765, p2p: 8770, admin: 8001, ...ports },
    ...extra,
  };
}

export function cluster(hosts: HostSpec[], extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    hosts,
    voter_nodes: [hosts[0]!.name],
    ssh: { user: 'ubuntu', key_path: '/nonexistent/id', known_hosts: '/nonexistent/known_hosts', connect_timeout_s: 2 },
    service_dir: '~/ringrift/ai-service',
    backbone: hosts[0]!.name,
    coordinator: hosts[0]!.name,
    tailscale: { cli: 'tailscale' },
    admin_api: { transport: 'ssh' },
    ...extra,
  };
}

/** Default policy with short probe timeouts so dead-host tests stay quick. */
export function fastPolicy(overrides: Partial<RunbookPolicy['probe']> = {}): RunbookPolicy {
  const p = defaultPolicy();
  return { ...p, probe: { ...p.probe, connectTimeoutMs: 400, totalTimeoutMs: 800, ...overrides } };
}

/** Every log line activities wrote in this test file (the mock env logs failures too). */
export const logs: LogEntry[] = [];
const captureLogger = new DefaultLogger('TRACE', (entry) => logs.push(entry));

export function newEnv(info: Record<string, unknown> = {}): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: captureLogger });
}

/**
 * Runs `fn` as an activity and collects every heartbeat it sends. `onHeartbeat` sees each one as
 * it comes (with the env, to cancel): a test changes the world at a poll, never after a delay.
 */
export async function runActivity<R>(
  fn: () => Promise<R>,
  info: Record<string, unknown> = {},
  onHeartbeat?: (details: unknown, n: number, env: MockActivityEnvironment) => void,
): Promise<{ result: R; heartbeats: unknown[] }> {
  const env = newEnv(info);
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => {
    heartbeats.push(d);
    onHeartbeat?.(d, heartbeats.length, env);
  });
  const result = (await env.run(fn)) as R;
  return { result, heartbeats };
}

export function p2pBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    node_id: 'n1',
    status: 'running',
    leader_id: 'n1',
    alive_peers: 3,
    total_peers: 3,
    cluster_health: 'healthy',
    role: 'leader',
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------
// SSH

export interface KeyPair {
  private: string;
  public: string;
}

/** ssh2 emits a malformed ed25519 key about once in 256 draws; the simulator's generator redraws. */
export function keyPair(): KeyPair {
  const k = generateKey('test');
  return { private: k.private, public: k.public };
}

/** The `type base64` part of an OpenSSH public key line. */
export function publicBlob(pub: string): string {
  return pub.split(/\s+/).slice(0, 2).join(' ');
}

export type CommandBehaviour = (command: string) => { stdout?: string; stderr?: string; code: number };

/** A real ssh2 server: given host key, accepts only `clientPublic` by public-key auth. */
export async function startSshServer(
  address: string,
  opts: { hostKey: KeyPair; clientPublic: string; behaviour: CommandBehaviour },
): Promise<Running & { commands: string[] }> {
  const allowed = sshUtils.parseKey(opts.clientPublic) as ParsedKey;
  const allowedBlob = allowed.getPublicSSH();
  const commands: string[] = [];
  const clients = new Set<{ end(): void }>();
  const server = new SshServer({ hostKeys: [opts.hostKey.private] }, (client) => {
    clients.add(client);
    client.on('error', () => undefined);
    client.on('close', () => clients.delete(client));
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const blob = ctx.key.data;
      if (ctx.key.algo !== allowed.type || blob.length !== allowedBlob.length || !timingSafeEqual(blob, allowedBlob)) {
        return ctx.reject(['publickey']);
      }
      if (ctx.signature && ctx.blob) {
        return allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
      }
      return ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          commands.push(info.command);
          const r = opts.behaviour(info.command);
          if (r.stdout) stream.write(r.stdout);
          if (r.stderr) stream.stderr.write(r.stderr);
          stream.exit(r.code);
          stream.end();
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, address, () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}

/** Writes the client key and a known_hosts file; returns their paths. */
export function writeSshFiles(dir: string, clientKey: KeyPair, knownHostsLines: string[]): { keyPath: string; knownHosts: string } {
  const keyPath = join(dir, 'id_cluster');
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(keyPath, clientKey.private, { mode: 0o600 });
  writeFileSync(knownHosts, knownHostsLines.join('\n') + '\n');
  return { keyPath, knownHosts };
}
