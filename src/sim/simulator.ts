// startSimulator(): lays out the cluster, writes its config and keys, and binds every node's
// servers on its own loopback addresses. Raw TCP is accepted here first so faults can act
// below HTTP and SSH (host-down never answers, tailscale-down resets, daemon-down refuses).
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync, appendFileSync, readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { SimCluster } from './cluster.js';
import { SimUsageError } from './errors.js';
import type { FaultKind } from './faults.js';
import type { SimNode, SimState } from './state-types.js';
import { type ApiResponse, handleApi, SIM_PORTS } from './http-api.js';
import { type Reach, Shell, type ShellWorld } from './shell/interp.js';
import { createSshServer, generateKey, parseClientKey } from './ssh-server.js';
import { statusJson, statusText, type TailnetInfo } from './tailscale.js';
import { layoutCluster, MAX_NODES } from './topology.js';

export interface SimulatorOptions {
  nodes: number;
  /** Default min(5, nodes); node 0 is always one of them. */
  voters?: number;
  seed?: number;
  /** Directory for the hosts file, keys and sim.json; default a fresh temp dir. */
  outDir?: string;
  /** Second octet of the primary addresses (127.<subnet>.x.y); fallback is subnet+100. */
  subnet?: number;
  sshPort?: number;
  /** Multiplies every simulated duration (sleep, daemon start, sync). */
  timeScale?: number;
  /** Daemon start-up time at timeScale 1. */
  daemonStartMs?: number;
  /** X-Admin-Key of the admin API; default $RUNBOOK_ADMIN_KEY or "sim-admin-key". */
  adminKey?: string;
  /**
   * How late HTTP answers on a `slow-primary` node's primary address (not scaled: it must stay
   * longer than a client's fallback stagger whatever the time-scale). Default 600.
   */
  slowPrimaryMs?: number;
  /** Duration of a full data sync at timeScale 1 (default 2000 ms). */
  syncMs?: number;
}

export interface SimulatorHandle {
  dir: string;
  hostsFile: string;
  controlUrl: string;
  socketPath: string;
  state(): SimState;
  fault(target: string, kind: FaultKind | string, opts?: { clear?: boolean }): void;
  /** Fields merged over a node's `/status` answer (null clears); see SimCluster.overrideStatus. */
  overrideStatus(node: string, fields: Record<string, unknown> | null): void;
  stop(): Promise<void>;
  /** The model, for tests that need to look closer. */
  readonly cluster: SimCluster;
}

export const SIM_USER = 'ubuntu';
export const SIM_SERVICE_DIR = '~/ringrift/ai-service';

interface Tracked {
  node: SimNode;
  via: 'primary' | 'fallback';
  port: number;
}

function validate(o: SimulatorOptions): Required<Omit<SimulatorOptions, 'outDir' | 'syncMs'>> & { outDir: string | undefined; syncMs: number | undefined } {
  const int = (name: string, v: number, lo: number, hi: number): number => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new SimUsageError(`${name} must be an integer from ${lo} to ${hi}, got ${v}`);
    return v;
  };
  const nodes = int('nodes', o.nodes, 1, MAX_NODES);
  const voters = int('voters', o.voters ?? Math.min(5, nodes), 1, nodes);
  const timeScale = o.timeScale ?? 1;
  if (!(timeScale > 0)) throw new SimUsageError(`timeScale must be positive, got ${timeScale}`);
  return {
    nodes,
    voters,
    seed: int('seed', o.seed ?? 1, 0, 2 ** 31),
    subnet: int('subnet', o.subnet ?? 10, 1, 155),
    sshPort: int('sshPort', o.sshPort ?? 2222, 1, 65535),
    timeScale,
    daemonStartMs: o.daemonStartMs ?? 1500,
    adminKey: o.adminKey ?? process.env['RUNBOOK_ADMIN_KEY'] ?? 'sim-admin-key',
    slowPrimaryMs: int('slowPrimaryMs', o.slowPrimaryMs ?? 600, 0, 60_000),
    outDir: o.outDir,
    syncMs: o.syncMs,
  };
}

export async function startSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const o = validate(options);
  const dir = resolve(o.outDir ?? join(tmpdir(), `runbook-sim-${process.pid}-${Date.now()}`));
  mkdirSync(dir, { recursive: true });
  const layout = layoutCluster(o);
  const cluster = new SimCluster({
    layout,
    subnet: o.subnet,
    timeScale: o.timeScale,
    daemonStartMs: o.daemonStartMs,
    serviceDir: SIM_SERVICE_DIR,
    ...(o.syncMs !== undefined && { syncMs: o.syncMs }),
  });
  const tailnet: TailnetInfo = {
    suffix: `tailnet-${createHash('sha256').update(`${o.seed}/${o.subnet}`).digest('hex').slice(0, 4)}.ts.net`,
    name: 'ringrift.example',
  };

  // ---- keys and config files -----------------------------------------------------------
  const clientKey = generateKey('runbook-sim client');
  const hostKeys = cluster.nodes.map((n) => generateKey(`root@${n.name}`));
  const keyFile = join(dir, 'id_cluster');
  rmSync(keyFile, { force: true });
  writeFileSync(keyFile, clientKey.private, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(`${keyFile}.pub`, clientKey.public + '\n');
  const knownHosts = join(dir, 'known_hosts');
  const hostKeyLine = (n: SimNode, addr: string): string => {
    const pub = hostKeys[n.index]!.public.split(' ').slice(0, 2).join(' ');
    return `[${addr}]:${o.sshPort} ${pub}\n`;
  };
  writeFileSync(knownHosts, cluster.nodes.map((n) => hostKeyLine(n, n.host) + hostKeyLine(n, n.fallback)).join(''));
  const hostsFile = join(dir, 'distributed_hosts.yaml');
  writeFileSync(hostsFile, hostsYaml(cluster, o.sshPort));
  const socketPath = join(dir, 'tailscaled.sock');
  rmSync(socketPath, { force: true });

  // ---- network ---------------------------------------------------------------------------
  const addrIndex = new Map<string, { node: SimNode; via: 'primary' | 'fallback' }>();
  for (const n of cluster.nodes) {
    addrIndex.set(n.host, { node: n, via: 'primary' });
    addrIndex.set(n.fallback, { node: n, via: 'fallback' });
  }
  const listeners = new Map<string, net.Server>(); // key "addr:port"
  const tracked = new Map<net.Socket, Tracked>();
  const stalled = new Map<net.Socket, SimNode>();
  const held = new Map<net.Socket, SimNode>();
  const sshServers = new Map<number, ReturnType<typeof createSshServer>>();
  const detached = new Set<Promise<unknown>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;

  const apiCtx = { cluster, adminKey: o.adminKey };
  const httpServer = http.createServer((req, res) => {
    const meta = tracked.get(req.socket as net.Socket);
    if (meta === undefined) {
      req.socket.destroy();
      return;
    }
    const reply = (r: ApiResponse): void => {
      res.writeHead(r.status, { 'content-type': r.contentType });
      res.end(r.body);
    };
    req.resume();
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
      const answer = (): void =>
        reply(handleApi(apiCtx, meta.node, meta.port, { method: req.method ?? 'GET', url: req.url ?? '/', headers }, 'http'));
      // slow-primary: the request reaches the node late over the primary path, so a client that
      // gives up on the primary and repeats a POST on the fallback has the node run it twice.
      if (meta.via === 'primary' && meta.node.slowPrimary) void sleep(o.slowPrimaryMs).then(answer);
      else answer();
    });
  });
  httpServer.keepAliveTimeout = 5000;

  const sleep = (ms: number): Promise<void> =>
    new Promise((res) => {
      // After stop() a detached job just stays asleep instead of keeping the process alive.
      if (stopping) return;
      const t = setTimeout(() => {
        timers.delete(t);
        res();
      }, ms);
      timers.add(t);
    });

  const world: ShellWorld = {
    cluster,
    timeScale: o.timeScale,
    sshPort: o.sshPort,
    tailscaleJson: (self) => statusJson(cluster, self, tailnet),
    tailscaleText: (self) => statusText(cluster, self),
    request: (from, host, port, method, path, headers, command) => route(from, host, port, method, path, headers, command),
    dropPrimarySessions: (n) => dropSockets((m) => m.node === n && m.via === 'primary'),
    detach: (job) => {
      detached.add(job);
      void job.finally(() => detached.delete(job));
    },
    sleep,
  };
  const shell = new Shell(world);
  const clientPub = parseClientKey(clientKey.public);

  /** §4.5 `curl http://<name-or-address>:port/…` as the simulated network delivers it from `from`. */
  function route(from: SimNode, host: string, port: number, method: string, path: string, headers: Record<string, string>, command: string): Reach {
    let target: SimNode;
    let via: 'self' | 'primary' | 'fallback';
    if (host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === from.name) {
      target = from;
      via = 'self';
    } else if (cluster.byName.has(host)) {
      // Node names resolve through MagicDNS, which needs the local Tailscale up.
      if (!from.tailscaleUp) return { kind: 'unresolved' };
      target = cluster.byName.get(host)!;
      via = 'primary';
    } else {
      const hit = addrIndex.get(host);
      if (hit === undefined) return net.isIP(host) !== 0 ? { kind: 'timeout' } : { kind: 'unresolved' };
      target = hit.node;
      via = hit.node === from ? 'self' : hit.via;
    }
    if (via !== 'self') {
      if (from.partitionStage !== null || target.partitionStage !== null) return { kind: 'timeout' };
      if (via === 'primary' && !from.tailscaleUp) return { kind: 'timeout' };
      if (target.hostDown) return { kind: 'timeout' };
      if (via === 'primary' && !target.tailscaleUp) return { kind: 'reset' };
    }
    const open =
      port === SIM_PORTS.http_api ||
      (port === SIM_PORTS.p2p && target.daemon === 'running') ||
      (port === SIM_PORTS.admin && target === cluster.coordinator && !cluster.adminDown);
    if (!open) return { kind: 'refused' };
    const mutating = method !== 'GET' && method !== 'HEAD';
    return {
      kind: 'ok',
      response: handleApi(apiCtx, target, port, { method, url: path, headers }, 'ssh', mutating ? command : undefined),
    };
  }

  function dropSockets(pred: (m: Tracked) => boolean): void {
    for (const [s, m] of tracked) {
      if (pred(m)) {
        tracked.delete(s);
        s.destroy();
      }
    }
  }

  /**
   * ssh-stall: the TCP connection stays open and nothing more is read or written, ever (a
   * peer whose network went away without a FIN or RST). Only --clear or stop() closes it.
   */
  function stall(s: net.Socket): void {
    const m = tracked.get(s);
    if (m === undefined || stalled.has(s)) return;
    stalled.set(s, m.node);
    s.pause();
    s.removeAllListeners('data');
    s.write = ((_chunk: unknown, ...rest: unknown[]) => {
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof s.write;
    s.on('close', () => stalled.delete(s));
  }

  function onConnection(addr: string, port: number, socket: net.Socket): void {
    socket.on('error', () => undefined);
    const ent = addrIndex.get(addr);
    if (ent === undefined || stopping) {
      socket.destroy();
      return;
    }
    const { node, via } = ent;
    if (node.hostDown) {
      // Accept and say nothing, ever: not even the SSH banner.
      held.set(socket, node);
      socket.on('close', () => held.delete(socket));
      return;
    }
    if (via === 'primary' && !node.tailscaleUp) {
      socket.resetAndDestroy();
      return;
    }
    tracked.set(socket, { node, via, port });
    socket.on('close', () => tracked.delete(socket));
    if (port === o.sshPort) {
      let srv = sshServers.get(node.index);
      if (srv === undefined) {
        srv = createSshServer(node, hostKeys[node.index]!.private, {
          shell,
          user: SIM_USER,
          clientKey: clientPub,
          viaOf: (s) => tracked.get(s)?.via ?? 'fallback',
          stallIfFaulted: (s) => {
            const owner = tracked.get(s)?.node;
            if (owner?.sshStalled !== true) return false;
            stall(s);
            return true;
          },
        });
        srv.on('error', () => undefined);
        sshServers.set(node.index, srv);
      }
      srv.injectSocket(socket);
    } else {
      httpServer.emit('connection', socket);
    }
  }

  function listen(addr: string, port: number): Promise<void> {
    const key = `${addr}:${port}`;
    if (listeners.has(key)) return Promise.resolve();
    const srv = net.createServer((s) => onConnection(addr, port, s));
    listeners.set(key, srv);
    return new Promise((res, rej) => {
      srv.once('error', (e: NodeJS.ErrnoException) => {
        listeners.delete(key);
        rej(new Error(`cannot listen on ${key}: ${e.code ?? e.message} (is another simulator using subnet ${o.subnet}?)`, { cause: e }));
      });
      srv.listen({ host: addr, port, backlog: 128 }, () => res());
    });
  }

  function unlisten(addr: string, port: number): void {
    const key = `${addr}:${port}`;
    const srv = listeners.get(key);
    if (srv === undefined) return;
    listeners.delete(key);
    srv.close();
  }

  function portsOf(n: SimNode): number[] {
    const ports: number[] = [o.sshPort, SIM_PORTS.http_api];
    if (n.daemon === 'running' || n.hostDown) ports.push(SIM_PORTS.p2p);
    if (n === cluster.coordinator && !cluster.adminDown) ports.push(SIM_PORTS.admin);
    return ports;
  }

  /** admin-down: :8001 stops listening (connection refused) and open connections drop. */
  function syncAdmin(n: SimNode): void {
    if (stopping) return;
    for (const addr of [cluster.liveHost(n), n.fallback]) {
      if (cluster.adminDown) unlisten(addr, SIM_PORTS.admin);
      else listen(addr, SIM_PORTS.admin).catch(() => undefined);
    }
    if (cluster.adminDown) dropSockets((m) => m.node === n && m.port === SIM_PORTS.admin);
  }

  /** Makes :8770 listen exactly when the daemon runs (or the host swallows everything). */
  function syncP2p(n: SimNode): void {
    if (stopping) return;
    const want = n.daemon === 'running' || n.hostDown;
    for (const addr of [cluster.liveHost(n), n.fallback]) {
      if (want) listen(addr, SIM_PORTS.p2p).catch(() => undefined);
      else unlisten(addr, SIM_PORTS.p2p);
    }
    if (!want) dropSockets((m) => m.node === n && m.port === SIM_PORTS.p2p);
  }

  cluster.on('daemon', (n: SimNode) => syncP2p(n));
  cluster.on('admin', (n: SimNode) => syncAdmin(n));
  cluster.on('ssh-stall', (n: SimNode) => {
    if (n.sshStalled) {
      for (const [s, m] of tracked) if (m.node === n && m.port === o.sshPort) stall(s);
    } else {
      for (const [s, owner] of stalled) if (owner === n) s.destroy();
    }
  });
  cluster.on('tailscale', (n: SimNode) => {
    if (!n.tailscaleUp) dropSockets((m) => m.node === n && m.via === 'primary');
  });
  cluster.on('host', (n: SimNode) => {
    if (n.hostDown) dropSockets((m) => m.node === n);
    else for (const [s, owner] of held) if (owner === n) s.destroy();
    syncP2p(n);
  });
  cluster.on('address', (n: SimNode, from: string, to: string) => {
    for (const p of [o.sshPort, SIM_PORTS.http_api, SIM_PORTS.p2p, SIM_PORTS.admin]) unlisten(from, p);
    dropSockets((m) => m.node === n && m.via === 'primary');
    addrIndex.delete(from);
    addrIndex.set(to, { node: n, via: 'primary' });
    for (const p of portsOf(n)) listen(to, p).catch(() => undefined);
    // Ops re-provision known_hosts with the node's (unchanged) host key for its new address.
    if (!readFileSync(knownHosts, 'utf8').includes(`[${to}]:`)) appendFileSync(knownHosts, hostKeyLine(n, to));
    watchHosts();
  });

  // §4.6: ip-changed is fixed once the hosts file names the new address.
  let hostsMtime = statSync(hostsFile).mtimeMs;
  let watchTimer: NodeJS.Timeout | undefined;
  function watchHosts(): void {
    if (watchTimer !== undefined || stopping) return;
    watchTimer = setInterval(() => {
      if (!cluster.nodes.some((n) => n.movedTo !== null)) {
        clearInterval(watchTimer);
        watchTimer = undefined;
        return;
      }
      let m: number;
      try {
        m = statSync(hostsFile).mtimeMs;
      } catch {
        return;
      }
      if (m === hostsMtime) return;
      hostsMtime = m;
      try {
        const doc = yaml.load(readFileSync(hostsFile, 'utf8')) as { hosts?: Array<{ name?: unknown; host?: unknown }> };
        for (const h of doc.hosts ?? []) {
          if (typeof h.name !== 'string' || typeof h.host !== 'string') continue;
          const n = cluster.byName.get(h.name);
          if (n !== undefined) cluster.hostsFileSays(n, h.host);
        }
      } catch {
        // Half-written or invalid: try again on the next change.
      }
    }, 200);
    watchTimer.unref();
  }

  // ---- tailscaled LocalAPI and the control API ------------------------------------------
  const localApi = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/localapi/v0/status') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(statusJson(cluster, cluster.coordinator, tailnet), null, 2));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found\n');
  });
  const control = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const send = (status: number, data: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      try {
        if (req.method === 'GET' && req.url === '/state') return send(200, cluster.state());
        if (req.method === 'POST' && req.url === '/status-override') {
          const f = JSON.parse(body || '{}') as { node?: unknown; fields?: unknown };
          const fields = f.fields;
          const ok = fields === null || (typeof fields === 'object' && !Array.isArray(fields));
          if (typeof f.node !== 'string' || !ok) return send(400, { error: 'body needs {"node", "fields": {…} | null}' });
          cluster.overrideStatus(f.node, fields as Record<string, unknown> | null);
          return send(200, { ok: true });
        }
        if (req.method === 'POST' && req.url === '/fault') {
          const f = JSON.parse(body || '{}') as { target?: unknown; kind?: unknown; clear?: unknown };
          if (typeof f.target !== 'string' || typeof f.kind !== 'string') return send(400, { error: 'body needs {"target", "kind"}' });
          cluster.fault(f.target, f.kind, { clear: f.clear === true });
          return send(200, { ok: true });
        }
        send(404, { error: 'not found' });
      } catch (e) {
        send(e instanceof SimUsageError ? 400 : 500, { error: e instanceof Error ? e.message : String(e) });
      }
    });
  });

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    cluster.stop();
    clearInterval(watchTimer);
    for (const t of timers) clearTimeout(t);
    const closing: Array<Promise<void>> = [];
    for (const srv of listeners.values()) closing.push(new Promise((r) => srv.close(() => r())));
    listeners.clear();
    for (const s of tracked.keys()) s.destroy();
    for (const s of held.keys()) s.destroy();
    for (const srv of sshServers.values()) srv.close();
    httpServer.closeAllConnections();
    localApi.closeAllConnections();
    control.closeAllConnections();
    closing.push(new Promise((r) => localApi.close(() => r())));
    closing.push(new Promise((r) => control.close(() => r())));
    await Promise.all(closing);
    rmSync(socketPath, { force: true });
    rmSync(join(dir, 'sim.json'), { force: true });
  };

  try {
    const all: Array<[string, number]> = [];
    for (const n of cluster.nodes) for (const p of portsOf(n)) all.push([n.host, p], [n.fallback, p]);
    // Bind in chunks: thousands of listen() calls at once only queue up behind each other.
    for (let i = 0; i < all.length; i += 500) await Promise.all(all.slice(i, i + 500).map(([a, p]) => listen(a, p)));
    await new Promise<void>((res, rej) => {
      localApi.once('error', rej);
      localApi.listen(socketPath, () => res());
    });
    await new Promise<void>((res, rej) => {
      control.once('error', rej);
      control.listen({ host: '127.0.0.1', port: 0 }, () => res());
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const addr = control.address() as net.AddressInfo;
  const controlUrl = `http://127.0.0.1:${addr.port}`;
  // The admin key is deliberately not written here.
  writeFileSync(
    join(dir, 'sim.json'),
    JSON.stringify(
      {
        controlUrl,
        pid: process.pid,
        nodes: o.nodes,
        voters: o.voters,
        seed: o.seed,
        subnet: o.subnet,
        sshPort: o.sshPort,
        hostsFile,
        socket: socketPath,
        startedAt: new Date(cluster.startedAt).toISOString(),
      },
      null,
      2,
    ) + '\n',
  );

  return {
    dir,
    hostsFile,
    controlUrl,
    socketPath,
    cluster,
    state: () => cluster.state(),
    fault: (target, kind, opts) => cluster.fault(target, kind, opts),
    overrideStatus: (node, fields) => cluster.overrideStatus(node, fields),
    stop,
  };
}

function hostsYaml(c: SimCluster, sshPort: number): string {
  const doc = {
    ssh: { user: SIM_USER, key_path: 'id_cluster', known_hosts: 'known_hosts', connect_timeout_s: 5 },
    ports: { ssh: sshPort, http_api: SIM_PORTS.http_api, p2p: SIM_PORTS.p2p, admin: SIM_PORTS.admin },
    service_dir: SIM_SERVICE_DIR,
    backbone: c.coordinator.name,
    coordinator: c.coordinator.name,
    tailscale: { socket: 'tailscaled.sock' },
    voter_nodes: c.voters.map((v) => v.name),
    hosts: c.nodes.map((n) => ({
      name: n.name,
      host: n.host,
      fallback_host: n.fallback,
      tailscale_ip: n.host,
      provider: n.provider,
    })),
  };
  return '# Written by `runbook sim start`: a simulated cluster on loopback addresses.\n' + yaml.dump(doc, { lineWidth: 200 });
}

/** Reads DIR/sim.json of a running simulator; throws SimUsageError when there is none. */
export function readSimInfo(dir: string): { controlUrl: string; pid: number; nodes: number } {
  const file = join(dir, 'sim.json');
  if (!existsSync(file)) throw new SimUsageError(`no simulator running in ${dir} (missing ${file}); start one with: runbook sim start --out ${dir}`);
  return JSON.parse(readFileSync(file, 'utf8')) as { controlUrl: string; pid: number; nodes: number };
}
