// The simulated cluster's model: daemons, Tailscale, partitions, leader election, faults and
// the mutation log, with the coordinator's data sync in DataSync. No I/O here: the network
// layer (node-network.ts) listens to the typed events this class emits (cluster-events.ts) and
// the shell and HTTP handlers call its methods.
import { EventEmitter } from 'node:events';
import type { ClusterEvents } from './cluster-events.js';
import { DataSync, type SyncStatusBody } from './data-sync.js';
import { SimUsageError } from './errors.js';
import { applyClusterFault, applyNodeFault } from './fault-effects.js';
import { FAULT_KINDS, type ClusterFault, isClusterFault, isFaultKind, type NodeFault } from './faults.js';
import { appendLogLine, filesOf } from './node-files.js';
import { type Mutation, type MutationSource, newNode, type P2pView, type SimNode, type SimState } from './state-types.js';
import { SIM_PORTS, type ServicePorts } from './ports.js';
import type { NodeLayout } from './topology.js';

export interface ClusterOptions {
  layout: NodeLayout[];
  subnet: number;
  timeScale: number;
  daemonStartMs: number;
  serviceDir: string;
  /** Duration of a full sync at timeScale 1 (default 2000 ms). */
  syncMs?: number;
  /** flapping: how long a started daemon runs before it dies again, at timeScale 1 (default FLAP_AFTER_MS). */
  flapAfterMs?: number;
  /** Service ports of every node; default SIM_PORTS. */
  ports?: ServicePorts;
}

const MAX_MUTATIONS = 20_000;
/** slow-rejoin: how long a restarted daemon runs before it rejoins, at timeScale 1. */
export const REJOIN_MS = 30_000;
/** flapping: how long a started daemon runs before it crashes again, at timeScale 1. */
export const FLAP_AFTER_MS = 10_000;

export class SimCluster extends EventEmitter<ClusterEvents> {
  readonly nodes: SimNode[];
  readonly byName = new Map<string, SimNode>();
  readonly voters: SimNode[];
  readonly coordinator: SimNode;
  readonly majority: number;
  /** The HTTP API, P2P and admin ports every node serves. */
  readonly ports: ServicePorts;
  readonly startedAt = Date.now();
  /** The coordinator's data sync (§4.4). */
  readonly sync: DataSync;
  leaderId: string | null = null;
  minVotersAlive: number;
  quorumLost = false;
  /** leader-lost: no automatic election until trigger-election or a voter restart. */
  leaderLost = false;
  /** election-stuck: voters that still need a daemon restart before anyone can lead. */
  stuckPending: Set<string> | null = null;
  /** admin-down: the coordinator's admin API (:8001) refuses connections, from anywhere. */
  adminDown = false;
  readonly mutations: Mutation[] = [];
  private nextPid = 40_000;
  private movedCounter = 0;
  private alive = 0;
  private votersAlive = 0;
  private stopped = false;

  constructor(readonly opts: ClusterOptions) {
    super();
    const now = Date.now();
    this.nodes = opts.layout.map((l) => newNode(l, opts.subnet, now));
    for (const n of this.nodes) this.byName.set(n.name, n);
    this.voters = this.nodes.filter((n) => n.voter);
    this.coordinator = this.nodes[0]!;
    this.ports = opts.ports ?? SIM_PORTS;
    this.majority = Math.floor(this.voters.length / 2) + 1;
    this.minVotersAlive = this.voters.length;
    this.sync = new DataSync(Math.max(1, (opts.syncMs ?? 2000) * opts.timeScale));
    this.recompute();
  }

  // ---- derived state -------------------------------------------------------------------

  /** In the P2P mesh: daemon running, host up, not partitioned. Tailscale-down nodes still
   *  count: the mesh also runs over the internal (fallback) network. */
  inMesh(n: SimNode): boolean {
    return n.daemon === 'running' && !n.joining && !n.hostDown && n.partitionStage === null;
  }

  nodeFaults(n: SimNode): NodeFault[] {
    const f: NodeFault[] = [];
    if (n.daemon === 'stopped') f.push('p2p-down');
    if (!n.tailscaleUp) f.push('tailscale-down');
    if (n.partitionStage !== null) f.push('partition');
    if (n.hostDown) f.push('host-down');
    if (n.movedTo !== null) f.push('ip-changed');
    if (n.roguePeer) f.push('rogue-peer');
    if (n.slowPrimary) f.push('slow-primary');
    if (n.sshStalled) f.push('ssh-stall');
    if (n.ignoresSigterm) f.push('p2p-ignores-sigterm');
    if (n.slowRejoin) f.push('slow-rejoin');
    if (n.blindToWorker) f.push('blind-to-worker');
    if (n.flapping) f.push('flapping');
    return f;
  }

  clusterFaults(): ClusterFault[] {
    const f: ClusterFault[] = [];
    if (this.leaderLost) f.push('leader-lost');
    if (this.stuckPending !== null) f.push('election-stuck');
    if (this.sync.stalled) f.push('sync-stalled');
    if (this.adminDown) f.push('admin-down');
    return f;
  }

  /** The rogue-peer device's Tailscale address: in the node's own subnet, where no node lives
   *  below 64,770 nodes, so nothing answers on it. */
  rogueAddress(n: SimNode): string {
    return `127.${this.opts.subnet}.255.${(n.index % 254) + 1}`;
  }

  /** Address the node's Tailscale-side servers listen on right now. */
  liveHost(n: SimNode): string {
    return n.movedTo ?? n.host;
  }

  /** Re-derives leader, alive counts and the quorum watermarks; call after every change. */
  recompute(): void {
    let alive = 0;
    let votersAlive = 0;
    for (const n of this.nodes) {
      if (this.inMesh(n)) {
        alive++;
        if (n.voter) votersAlive++;
      }
    }
    this.alive = alive;
    this.votersAlive = votersAlive;
    if (votersAlive < this.minVotersAlive) this.minVotersAlive = votersAlive;
    const quorum = votersAlive >= this.majority;
    if (!quorum) this.quorumLost = true;
    const before = this.leaderId;
    const leader = this.leaderId === null ? undefined : this.byName.get(this.leaderId);
    if (leader !== undefined && (!quorum || !this.inMesh(leader) || this.leaderLost || this.stuckPending !== null)) {
      this.leaderId = null;
    }
    if (this.leaderId === null && quorum && !this.leaderLost && this.stuckPending === null) {
      this.leaderId = this.voters.find((v) => this.inMesh(v))?.name ?? null;
    }
    if (before !== this.leaderId) this.emit('leader', this.leaderId);
  }

  /** GET :8770/status as `n` sees the cluster. */
  viewFrom(n: SimNode): P2pView {
    const role = this.leaderId === n.name ? 'leader' : n.voter ? 'voter' : 'worker';
    const base = {
      node_id: n.name,
      status: 'running' as const,
      total_peers: this.nodes.length,
      voters_total: this.voters.length,
      uptime_s: Math.floor((Date.now() - n.daemonSince) / 1000),
    };
    if (n.partitionStage !== null) {
      return {
        ...base,
        leader_id: null,
        alive_peers: 1,
        cluster_health: 'partitioned',
        role: n.voter ? 'voter' : 'worker',
        voters_alive: n.voter ? 1 : 0,
      };
    }
    if (n.joining) {
      // Running, still looking for its peers: not partitioned, just not part of the cluster yet.
      return { ...base, leader_id: null, alive_peers: 1, cluster_health: 'critical', role: n.voter ? 'voter' : 'worker', voters_alive: n.voter ? 1 : 0 };
    }
    const total = this.nodes.length;
    const health =
      this.leaderId === null || this.alive < total / 2 ? 'critical' : this.alive === total ? 'healthy' : 'degraded';
    return {
      ...base,
      leader_id: this.leaderId,
      alive_peers: this.alive,
      cluster_health: health,
      role,
      voters_alive: this.votersAlive,
    };
  }

  get votersAliveNow(): number {
    return this.votersAlive;
  }

  // ---- mutations -------------------------------------------------------------------------

  record(node: string, source: MutationSource, command: string): void {
    this.mutations.push({ at: new Date().toISOString(), node, source, command });
    if (this.mutations.length > MAX_MUTATIONS) this.mutations.splice(0, this.mutations.length - MAX_MUTATIONS);
  }

  /** pkill -f p2p_daemon: the daemon dies at once and :8770 refuses connections. */
  killDaemon(n: SimNode, signal: 'TERM' | 'KILL' = 'TERM'): boolean {
    if (n.daemon === 'stopped') return false;
    if (signal === 'TERM' && n.ignoresSigterm) {
      this.appendLog(n, 'WARNING p2p_daemon: received SIGTERM, ignoring it');
      return false;
    }
    clearTimeout(n.daemonTimer);
    n.daemonTimer = undefined;
    n.daemon = 'stopped';
    n.joining = false;
    this.appendLog(n, 'INFO p2p_daemon: received SIGTERM, shutting down');
    this.emit('daemon', n);
    this.recompute();
    return true;
  }

  /** nohup python -m app.distributed.p2p_daemon: listening after daemonStartMs (scaled). */
  startDaemon(n: SimNode, logPath: string | null): void {
    if (n.daemon !== 'stopped') {
      if (logPath !== null) this.appendLog(n, `ERROR p2p_daemon: [Errno 98] Address already in use (port ${this.ports.p2p})`, logPath);
      return;
    }
    n.daemon = 'starting';
    n.daemonPid = this.nextPid++;
    if (logPath !== null) this.files(n).set(logPath, '');
    this.appendLog(n, `INFO p2p_daemon: starting P2P daemon node_id=${n.name} port=${this.ports.p2p}`, logPath ?? undefined);
    this.emit('daemon', n);
    const delay = Math.max(0, this.opts.daemonStartMs * this.opts.timeScale);
    n.daemonTimer = setTimeout(() => {
      n.daemonTimer = undefined;
      if (this.stopped || n.daemon !== 'starting') return;
      n.daemon = 'running';
      n.daemonSince = Date.now();
      if (n.flapping) this.scheduleFlap(n);
      if (!n.slowRejoin) return this.joinMesh(n);
      // slow-rejoin: /status already says `running` (what "wait until p2p healthy" sees), the
      // node counts nowhere until it rejoins (a quorum guard that counted it alive could stop one voter too many).
      n.joining = true;
      this.appendLog(n, 'INFO p2p_backend: discovering peers');
      this.emit('daemon', n);
      n.daemonTimer = setTimeout(() => {
        n.daemonTimer = undefined;
        if (!this.stopped && n.joining) this.joinMesh(n);
      }, REJOIN_MS * this.opts.timeScale);
      n.daemonTimer.unref();
    }, delay);
    n.daemonTimer.unref();
  }

  /**
   * flapping: the daemon that just started crashes again after flapAfterMs (scaled), as a daemon
   * with a bad config or a leaking dependency does; each restart buys the same few seconds.
   */
  scheduleFlap(n: SimNode): void {
    clearTimeout(n.flapTimer);
    n.flapTimer = setTimeout(() => {
      n.flapTimer = undefined;
      if (this.stopped || !n.flapping || n.daemon === 'stopped') return;
      this.appendLog(n, 'ERROR p2p_daemon: fatal error in event loop, exiting (flapping)');
      // A crash, not a signal: ignoresSigterm does not keep it alive.
      this.killDaemon(n, 'KILL');
    }, Math.max(0, (this.opts.flapAfterMs ?? FLAP_AFTER_MS) * this.opts.timeScale));
    n.flapTimer.unref();
  }

  /** A running daemon (re)joins the P2P mesh. */
  joinMesh(n: SimNode): void {
    n.joining = false;
    // §4.5: the last step of the partition recovery is the p2p restart.
    if (n.partitionStage === 2) n.partitionStage = null;
    if (n.voter) {
      this.leaderLost = false;
      this.stuckPending?.delete(n.name);
      if (this.stuckPending?.size === 0) this.stuckPending = null;
    }
    this.recompute();
    this.appendLog(
      n,
      n.partitionStage === null
        ? `INFO p2p_backend: joined mesh: ${this.alive} alive peers, leader=${this.leaderId ?? 'NONE'}`
        : 'WARNING p2p_backend: no peers reachable (heartbeat timeouts)',
    );
    this.emit('daemon', n);
  }

  tailscaleDown(n: SimNode): void {
    if (n.partitionStage === 1) n.tailscaleWentDown = true;
    if (!n.tailscaleUp) return;
    n.tailscaleUp = false;
    this.emit('tailscale', n);
  }

  tailscaleUpCmd(n: SimNode): void {
    if (n.partitionStage === 1 && n.tailscaleWentDown) n.partitionStage = 2;
    if (n.tailscaleUp) return;
    n.tailscaleUp = true;
    this.emit('tailscale', n);
  }

  networkdRestart(n: SimNode): void {
    if (n.partitionStage === 0) {
      n.partitionStage = 1;
      n.tailscaleWentDown = false;
    }
  }

  /** POST /admin/trigger-election on `n` (§4.3). */
  triggerElection(n: SimNode): { status: number; body: Record<string, unknown> } {
    if (n.partitionStage !== null || this.votersAlive < this.majority) {
      return { status: 503, body: { accepted: false, error: 'no voter majority reachable' } };
    }
    if (this.stuckPending === null) {
      this.leaderLost = false;
      this.leaderId = null;
      this.recompute();
    }
    return { status: 202, body: { accepted: true, status: 'election_started', node_id: n.name } };
  }

  // ---- data sync (§4.4) ------------------------------------------------------------------

  syncStatus(): SyncStatusBody {
    return this.sync.status();
  }

  /** Starts syncing the given categories (all when empty); returns the unknown ones. */
  triggerSync(categories: string[]): string[] {
    return this.sync.trigger(categories);
  }

  /** force_full_sync on the coordinator: clears a stall and syncs everything; resolves when done. */
  forceFullSync(sleep: (ms: number) => Promise<void>): Promise<void> {
    return this.sync.forceFull(sleep);
  }

  // ---- faults ----------------------------------------------------------------------------

  node(target: string): SimNode {
    const n = this.byName.get(target);
    if (n === undefined) throw new SimUsageError(`unknown node "${target}" (expected one of the ${this.nodes.length} node names, or "cluster")`);
    return n;
  }

  fault(target: string, kind: string, opts: { clear?: boolean } = {}): void {
    if (!isFaultKind(kind)) {
      throw new SimUsageError(`unknown fault "${kind}" (expected one of: ${FAULT_KINDS.join(', ')})`);
    }
    const clear = opts.clear === true;
    if (isClusterFault(kind)) {
      if (target !== 'cluster') throw new SimUsageError(`fault "${kind}" is cluster-wide: use target "cluster", not "${target}"`);
      this.record('cluster', 'control', `fault cluster ${kind}${clear ? ' --clear' : ''}`);
      applyClusterFault(this, kind, clear);
    } else {
      if (target === 'cluster') throw new SimUsageError(`fault "${kind}" needs a node name, not "cluster"`);
      const n = this.node(target);
      this.record(n.name, 'control', `fault ${n.name} ${kind}${clear ? ' --clear' : ''}`);
      applyNodeFault(this, n, kind, clear);
    }
    this.recompute();
  }

  /** ip-changed: the next unused address in 127.<subnet+50>.x.y. */
  nextMovedAddress(): string {
    this.movedCounter++;
    return `127.${this.opts.subnet + 50}.${Math.floor(this.movedCounter / 254) % 256}.${(this.movedCounter % 254) + 1}`;
  }

  /** The node's Tailscale-side servers move to `to` (null: back to `host`). */
  moveTo(n: SimNode, to: string | null): void {
    const from = this.liveHost(n);
    n.movedTo = to;
    this.emit('address', n, from, this.liveHost(n));
  }

  /** The hosts file now names `address` as the node's host: ip-changed is fixed (§4.6). */
  hostsFileSays(n: SimNode, address: string): void {
    if (n.movedTo !== null && address === n.movedTo) {
      n.host = n.movedTo;
      n.movedTo = null;
      this.record(n.name, 'control', `hosts file updated: ${n.name} host=${address}`);
      this.emit('address-fixed', n);
    }
  }

  /**
   * From now on `n` answers `/status` with `fields` merged over its real view (null: back to
   * normal). For tests of what a confused or hostile daemon can send: a stale leader from a
   * partitioned node, megabyte strings, markdown and HTML.
   */
  overrideStatus(target: string, fields: Record<string, unknown> | null): void {
    const n = this.node(target);
    n.statusOverride = fields === null ? null : { ...fields };
    this.record(n.name, 'control', `status override ${n.name} ${fields === null ? '--clear' : Object.keys(fields).join(',')}`);
  }

  // ---- files -----------------------------------------------------------------------------

  logPath(): string {
    return `${this.opts.serviceDir.replace(/^~/, '/home/ubuntu')}/logs/p2p.log`;
  }

  files(n: SimNode): Map<string, string> {
    return filesOf(n, this.logPath(), this.nodes.length, this.voters[0]!.name);
  }

  appendLog(n: SimNode, message: string, path = this.logPath()): void {
    appendLogLine(this.files(n), path, message);
  }

  // ---- state -----------------------------------------------------------------------------

  state(): SimState {
    return {
      leader_id: this.leaderId,
      min_voters_alive: this.minVotersAlive,
      quorum_lost: this.quorumLost,
      voters_alive: this.votersAlive,
      voters_total: this.voters.length,
      voter_nodes: this.voters.map((v) => v.name),
      coordinator: this.coordinator.name,
      cluster_faults: this.clusterFaults(),
      nodes: this.nodes.map((n) => ({
        name: n.name,
        host: n.host,
        fallback_host: n.fallback,
        faults: this.nodeFaults(n),
        role: n.voter ? 'voter' : 'worker',
        daemon: n.daemon,
        tailscale: n.tailscaleUp ? 'up' : 'down',
        moved_to: n.movedTo,
        status_override: Object.keys(n.statusOverride ?? {}),
      })),
      sync: this.sync.status(),
      mutations: [...this.mutations],
    };
  }

  stop(): void {
    this.stopped = true;
    for (const n of this.nodes) clearTimeout(n.daemonTimer);
  }
}
