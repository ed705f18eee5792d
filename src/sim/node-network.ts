// Every node's servers on its own loopback addresses, and the faults that act below HTTP and
// SSH: raw TCP is accepted here first, so host-down can accept and never answer, tailscale-down
// can reset, a stopped daemon or admin service refuses, ssh-stall goes silent. The sockets
// follow the model through its typed events (cluster-events.ts). Every socket here comes from
// outside the cluster (the worker, tests; peers reach each other through in-cluster-route.ts),
// which is what lets blind-to-worker close a node's P2P and health ports to the outside only.
import http from 'node:http';
import net from 'node:net';
import type { ParsedKey } from 'ssh2';
import type { SimCluster } from './cluster.js';
import { type ApiContext, type ApiResponse, handleApi } from './http-api.js';
import type { AddressOwner } from './in-cluster-route.js';
import type { Shell } from './shell/interp.js';
import { createSshServer } from './ssh-server.js';
import type { SimNode } from './state-types.js';

export interface NodeNetworkDeps {
  cluster: SimCluster;
  api: ApiContext;
  shell: Shell;
  sshUser: string;
  sshPort: number;
  /** Only for the error message when an address is taken. */
  subnet: number;
  slowPrimaryMs: number;
  clientKey: ParsedKey;
  /** Each node's host key (OpenSSH private key), by node index. */
  hostKeys: string[];
  sleep(ms: number): Promise<void>;
}

interface Tracked {
  node: SimNode;
  via: 'primary' | 'fallback';
  port: number;
}

/** Thousands of listen() calls at once only queue up behind each other: bind in chunks. */
const BIND_CHUNK = 500;

export class NodeNetwork {
  private readonly addrIndex = new Map<string, AddressOwner>();
  /** Keyed "addr:port". */
  private readonly listeners = new Map<string, net.Server>();
  private readonly tracked = new Map<net.Socket, Tracked>();
  private readonly stalled = new Map<net.Socket, SimNode>();
  /** host-down: connections accepted and never answered. */
  private readonly held = new Map<net.Socket, SimNode>();
  private readonly sshServers = new Map<number, ReturnType<typeof createSshServer>>();
  private readonly httpServer: http.Server;
  private stopping = false;

  constructor(private readonly d: NodeNetworkDeps) {
    for (const n of d.cluster.nodes) {
      this.addrIndex.set(n.host, { node: n, via: 'primary' });
      this.addrIndex.set(n.fallback, { node: n, via: 'fallback' });
    }
    this.httpServer = this.createHttpServer();
    this.followModel();
  }

  /** Which node (and which of its addresses) `addr` belongs to right now. */
  ownerOf(addr: string): AddressOwner | undefined {
    return this.addrIndex.get(addr);
  }

  /** Binds every node's ports on both addresses. */
  async bindAll(): Promise<void> {
    const all: Array<[string, number]> = [];
    for (const n of this.d.cluster.nodes) for (const p of this.portsOf(n)) all.push([n.host, p], [n.fallback, p]);
    for (let i = 0; i < all.length; i += BIND_CHUNK) await Promise.all(all.slice(i, i + BIND_CHUNK).map(([a, p]) => this.listen(a, p)));
  }

  /** Kills every connection riding on the node's Tailscale address (tailscale down). */
  dropPrimarySessions(n: SimNode): void {
    this.dropSockets((m) => m.node === n && m.via === 'primary');
  }

  async close(): Promise<void> {
    this.stopping = true;
    const closing: Array<Promise<void>> = [];
    for (const srv of this.listeners.values()) closing.push(new Promise((r) => srv.close(() => r())));
    this.listeners.clear();
    for (const s of this.tracked.keys()) s.destroy();
    for (const s of this.held.keys()) s.destroy();
    for (const srv of this.sshServers.values()) srv.close();
    this.httpServer.closeAllConnections();
    await Promise.all(closing);
  }

  private createHttpServer(): http.Server {
    const server = http.createServer((req, res) => {
      const meta = this.tracked.get(req.socket as net.Socket);
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
          reply(handleApi(this.d.api, meta.node, meta.port, { method: req.method ?? 'GET', url: req.url ?? '/', headers }, 'http'));
        // slow-primary: the request reaches the node late over the primary path, so a client that
        // gives up on the primary and repeats a POST on the fallback has the node run it twice.
        if (meta.via === 'primary' && meta.node.slowPrimary) void this.d.sleep(this.d.slowPrimaryMs).then(answer);
        else answer();
      });
    });
    server.keepAliveTimeout = 5000;
    return server;
  }

  private followModel(): void {
    const c = this.d.cluster;
    c.on('daemon', (n) => this.syncP2p(n));
    c.on('admin', (n) => this.syncAdmin(n));
    c.on('blind', (n) => {
      this.syncP2p(n);
      this.syncHealth(n);
    });
    c.on('ssh-stall', (n) => {
      if (n.sshStalled) {
        for (const [s, m] of this.tracked) if (m.node === n && m.port === this.d.sshPort) this.stall(s);
      } else {
        for (const [s, owner] of this.stalled) if (owner === n) s.destroy();
      }
    });
    c.on('tailscale', (n) => {
      if (!n.tailscaleUp) this.dropPrimarySessions(n);
    });
    c.on('host', (n) => {
      if (n.hostDown) this.dropSockets((m) => m.node === n);
      else for (const [s, owner] of this.held) if (owner === n) s.destroy();
      this.syncP2p(n);
    });
    c.on('address', (n, from, to) => {
      for (const p of [this.d.sshPort, this.d.cluster.ports.http_api, this.d.cluster.ports.p2p, this.d.cluster.ports.admin]) this.unlisten(from, p);
      this.dropPrimarySessions(n);
      this.addrIndex.delete(from);
      this.addrIndex.set(to, { node: n, via: 'primary' });
      for (const p of this.portsOf(n)) this.listen(to, p).catch(() => undefined);
    });
  }

  private dropSockets(pred: (m: Tracked) => boolean): void {
    for (const [s, m] of this.tracked) {
      if (pred(m)) {
        this.tracked.delete(s);
        s.destroy();
      }
    }
  }

  /**
   * ssh-stall: the TCP connection stays open and nothing more is read or written, ever (a
   * peer whose network went away without a FIN or RST). Only --clear or stop() closes it.
   */
  private stall(s: net.Socket): void {
    const m = this.tracked.get(s);
    if (m === undefined || this.stalled.has(s)) return;
    this.stalled.set(s, m.node);
    s.pause();
    s.removeAllListeners('data');
    s.write = ((_chunk: unknown, ...rest: unknown[]) => {
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof s.write;
    s.on('close', () => this.stalled.delete(s));
  }

  private onConnection(addr: string, port: number, socket: net.Socket): void {
    socket.on('error', () => undefined);
    const ent = this.addrIndex.get(addr);
    if (ent === undefined || this.stopping) {
      socket.destroy();
      return;
    }
    const { node, via } = ent;
    if (node.hostDown) {
      // Accept and say nothing, ever: not even the SSH banner.
      this.held.set(socket, node);
      socket.on('close', () => this.held.delete(socket));
      return;
    }
    if (via === 'primary' && !node.tailscaleUp) {
      socket.resetAndDestroy();
      return;
    }
    this.tracked.set(socket, { node, via, port });
    socket.on('close', () => this.tracked.delete(socket));
    if (port === this.d.sshPort) this.sshServerOf(node).injectSocket(socket);
    else this.httpServer.emit('connection', socket);
  }

  private sshServerOf(node: SimNode): ReturnType<typeof createSshServer> {
    let srv = this.sshServers.get(node.index);
    if (srv === undefined) {
      srv = createSshServer(node, this.d.hostKeys[node.index]!, {
        shell: this.d.shell,
        user: this.d.sshUser,
        clientKey: this.d.clientKey,
        viaOf: (s) => this.tracked.get(s)?.via ?? 'fallback',
        stallIfFaulted: (s) => {
          const owner = this.tracked.get(s)?.node;
          if (owner?.sshStalled !== true) return false;
          this.stall(s);
          return true;
        },
      });
      srv.on('error', () => undefined);
      this.sshServers.set(node.index, srv);
    }
    return srv;
  }

  private listen(addr: string, port: number): Promise<void> {
    const key = `${addr}:${port}`;
    if (this.listeners.has(key)) return Promise.resolve();
    const srv = net.createServer((s) => this.onConnection(addr, port, s));
    this.listeners.set(key, srv);
    return new Promise((res, rej) => {
      srv.once('error', (e: NodeJS.ErrnoException) => {
        this.listeners.delete(key);
        rej(new Error(`cannot listen on ${key}: ${e.code ?? e.message} (is another simulator using subnet ${this.d.subnet}?)`, { cause: e }));
      });
      srv.listen({ host: addr, port, backlog: 128 }, () => res());
    });
  }

  private unlisten(addr: string, port: number): void {
    const key = `${addr}:${port}`;
    const srv = this.listeners.get(key);
    if (srv === undefined) return;
    this.listeners.delete(key);
    srv.close();
  }

  private portsOf(n: SimNode): number[] {
    const ports: number[] = [this.d.sshPort];
    if (!n.blindToWorker) ports.push(this.d.cluster.ports.http_api);
    if (this.p2pListens(n)) ports.push(this.d.cluster.ports.p2p);
    if (n === this.d.cluster.coordinator && !this.d.cluster.adminDown) ports.push(this.d.cluster.ports.admin);
    return ports;
  }

  /** admin-down: :8001 stops listening (connection refused) and open connections drop. */
  private syncAdmin(n: SimNode): void {
    if (this.stopping) return;
    const down = this.d.cluster.adminDown;
    for (const addr of [this.d.cluster.liveHost(n), n.fallback]) {
      if (down) this.unlisten(addr, this.d.cluster.ports.admin);
      else this.listen(addr, this.d.cluster.ports.admin).catch(() => undefined);
    }
    if (down) this.dropSockets((m) => m.node === n && m.port === this.d.cluster.ports.admin);
  }

  /**
   * :8770 listens when the daemon runs (or the host swallows everything), except under
   * blind-to-worker: not listening is how the outside gets a fast, real ECONNREFUSED (a REJECT
   * rule's RST) rather than a hang.
   */
  private p2pListens(n: SimNode): boolean {
    return (n.daemon === 'running' || n.hostDown) && !n.blindToWorker;
  }

  /** blind-to-worker: :8765 closes to the outside (refused) and open connections drop. */
  private syncHealth(n: SimNode): void {
    if (this.stopping) return;
    for (const addr of [this.d.cluster.liveHost(n), n.fallback]) {
      if (n.blindToWorker) this.unlisten(addr, this.d.cluster.ports.http_api);
      else this.listen(addr, this.d.cluster.ports.http_api).catch(() => undefined);
    }
    if (n.blindToWorker) this.dropSockets((m) => m.node === n && m.port === this.d.cluster.ports.http_api);
  }

  /** Makes :8770 listen exactly when p2pListens says so. */
  private syncP2p(n: SimNode): void {
    if (this.stopping) return;
    const want = this.p2pListens(n);
    for (const addr of [this.d.cluster.liveHost(n), n.fallback]) {
      if (want) this.listen(addr, this.d.cluster.ports.p2p).catch(() => undefined);
      else this.unlisten(addr, this.d.cluster.ports.p2p);
    }
    if (!want) this.dropSockets((m) => m.node === n && m.port === this.d.cluster.ports.p2p);
  }
}
