// The simulated cluster's state and rules: daemons, Tailscale, partitions, leader election,
// data sync, faults and the mutation log. No I/O here: the network layer (servers.ts) listens to
// the events this class emits and the shell and HTTP handlers call its methods.
import { EventEmitter } from 'node:events';
import type { NodeLayout, SimProvider } from './topology.js';

export const NODE_FAULTS = ['p2p-down', 'tailscale-down', 'partition', 'host-down', 'ip-changed', 'rogue-peer', 'slow-primary', 'ssh-stall', 'p2p-ignores-sigterm', 'slow-rejoin'] as const;
export const CLUSTER_FAULTS = ['leader-lost', 'election-stuck', 'sync-stalled', 'admin-down'] as const;
export const FAULT_KINDS = [...NODE_FAULTS, ...CLUSTER_FAULTS] as const;
export type NodeFault = (typeof NODE_FAULTS)[number];
export type ClusterFault = (typeof CLUSTER_FAULTS)[number];
export type FaultKind = NodeFault | ClusterFault;

export const SYNC_CATEGORIES = ['games', 'models', 'training', 'elo'] as const;
const SYNC_ITEMS: Record<string, number> = { games: 1840, models: 12, training: 310, elo: 4 };

export type DaemonState = 'running' | 'stopped' | 'starting';
export type MutationSource = 'ssh' | 'http' | 'control';

export interface Mutation {
  at: string;
  node: string;
  source: MutationSource;
  command: string;
}

/** Thrown for an unknown node or fault, or a fault aimed at the wrong kind of target. */
export class SimUsageError extends Error {
  override readonly name = 'SimUsageError';
}

export interface SimNode {
  readonly index: number;
  readonly name: string;
  readonly provider: SimProvider;
  readonly voter: boolean;
  readonly fallback: string;
  /** The address the hosts file was written with. */
  readonly originalHost: string;
  /** Current Tailscale address (changes with ip-changed). */
  host: string;
  /** Address the node moved to while ip-changed is pending; `host` stays the old one until fixed. */
  movedTo: string | null;
  daemon: DaemonState;
  daemonPid: number;
  daemonSince: number;
  daemonTimer: NodeJS.Timeout | undefined;
  tailscaleUp: boolean;
  hostDown: boolean;
  /** SSH connections (open ones and new ones, once logged in) go silent and never close. */
  sshStalled: boolean;
  /** The daemon survives SIGTERM (`pkill` without -9): a stop must notice and not start another. */
  ignoresSigterm: boolean;
  /** slow-rejoin: a restarted daemon reports `running` for a while before it rejoins the mesh. */
  slowRejoin: boolean;
  /** Running but not rejoined yet (slow-rejoin): out of the mesh, sees no leader and no peers. */
  joining: boolean;
  /** null: not partitioned; 0 needs networkd restart, 1 needs tailscale down+up, 2 needs p2p restart (§4.5). */
  partitionStage: 0 | 1 | 2 | null;
  tailscaleWentDown: boolean;
  bootedAt: number;
  /** Lazily created files (the p2p log); keyed by absolute path. */
  files: Map<string, string> | undefined;
  nodeKey: string;
  tailscaleId: number;
  /** rogue-peer: another tailnet device, online, calls itself by this node's name (§4.6). */
  roguePeer: boolean;
  /** slow-primary: HTTP on the primary (Tailscale) address answers late, as over a congested relay. */
  slowPrimary: boolean;
  /** Fields merged over this node's `/status` answer (a confused or hostile daemon); null: none. */
  statusOverride: Record<string, unknown> | null;
}

export interface P2pView {
  node_id: string;
  status: 'running';
  leader_id: string | null;
  alive_peers: number;
  total_peers: number;
  cluster_health: 'healthy' | 'degraded' | 'critical' | 'partitioned';
  role: 'leader' | 'voter' | 'worker';
  voters_alive: number;
  voters_total: number;
  uptime_s: number;
}

export interface SyncCategoryStatus {
  progress: number;
  last_sync_at: string | null;
  pending: number;
}

export interface SyncStatusBody {
  stalled: boolean;
  in_progress: boolean;
  progress: number;
  categories: Record<string, SyncCategoryStatus>;
}

interface SyncCategory {
  /** Progress at `since` (ms); advances at 1/durationMs while running and not stalled. */
  base: number;
  since: number;
  running: boolean;
  lastSyncAt: string | null;
}

export interface SimStateNode {
  name: string;
  host: string;
  fallback_host: string;
  faults: NodeFault[];
  role: 'voter' | 'worker';
  daemon: DaemonState;
  tailscale: 'up' | 'down';
  moved_to: string | null;
  /** Names of the `/status` fields overridden (see overrideStatus), empty when none. */
  status_override: string[];
}

export interface SimState {
  leader_id: string | null;
  min_voters_alive: number;
  quorum_lost: boolean;
  voters_alive: number;
  voters_total: number;
  voter_nodes: string[];
  coordinator: string;
  cluster_faults: ClusterFault[];
  nodes: SimStateNode[];
  sync: SyncStatusBody;
  mutations: Mutation[];
}

export interface ClusterOptions {
  layout: NodeLayout[];
  subnet: number;
  timeScale: number;
  daemonStartMs: number;
  serviceDir: string;
  /** Duration of a full sync at timeScale 1. */
  syncMs?: number;
}

const MAX_MUTATIONS = 20_000;
/** slow-rejoin: how long a restarted daemon runs before it rejoins, at timeScale 1. */
export const REJOIN_MS = 30_000;

export class SimCluster extends EventEmitter {
  readonly nodes: SimNode[];
  readonly byName = new Map<string, SimNode>();
  readonly voters: SimNode[];
  readonly coordinator: SimNode;
  readonly majority: number;
  readonly startedAt = Date.now();
  leaderId: string | null = null;
  minVotersAlive: number;
  quorumLost = false;
  /** leader-lost: no automatic election until trigger-election or a voter restart. */
  leaderLost = false;
  /** election-stuck: voters that still need a daemon restart before anyone can lead. */
  stuckPending: Set<string> | null = null;
  syncStalled = false;
  /** admin-down: the coordinator's admin API (:8001) refuses connections, from anywhere. */
  adminDown = false;
  readonly mutations: Mutation[] = [];
  private readonly sync = new Map<string, SyncCategory>();
  private readonly syncMs: number;
  private nextPid = 40_000;
  private movedCounter = 0;
  private alive = 0;
  private votersAlive = 0;
  private stopped = false;

  constructor(readonly opts: ClusterOptions) {
    super();
    const now = Date.now();
    this.nodes = opts.layout.map((l) => ({
      index: l.index,
      name: l.name,
      provider: l.provider,
      voter: l.voter,
      fallback: l.fallback,
      originalHost: l.primary,
      host: l.primary,
      movedTo: null,
      daemon: 'running',
      daemonPid: 2000 + ((l.index * 7919) % 30000),
      daemonSince: now - 3_600_000 - l.index * 1000,
      daemonTimer: undefined,
      tailscaleUp: true,
      hostDown: false,
      sshStalled: false,
      ignoresSigterm: false,
      slowRejoin: false,
      joining: false,
      partitionStage: null,
      tailscaleWentDown: false,
      bootedAt: now - (3 + (l.index % 20)) * 86_400_000 - l.index * 60_000,
      files: undefined,
      nodeKey: nodeKeyHex(l.index, opts.subnet),
      tailscaleId: 100_000 + l.index,
      roguePeer: false,
      slowPrimary: false,
      statusOverride: null,
    }));
    for (const n of this.nodes) this.byName.set(n.name, n);
    this.voters = this.nodes.filter((n) => n.voter);
    this.coordinator = this.nodes[0]!;
    this.majority = Math.floor(this.voters.length / 2) + 1;
    this.minVotersAlive = this.voters.length;
    this.syncMs = opts.syncMs ?? 2000;
    const synced = new Date(now - 600_000).toISOString();
    for (const c of SYNC_CATEGORIES) this.sync.set(c, { base: 1, since: now, running: false, lastSyncAt: synced });
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
    return f;
  }

  clusterFaults(): ClusterFault[] {
    const f: ClusterFault[] = [];
    if (this.leaderLost) f.push('leader-lost');
    if (this.stuckPending !== null) f.push('election-stuck');
    if (this.syncStalled) f.push('sync-stalled');
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
      if (logPath !== null) this.appendLog(n, 'ERROR p2p_daemon: [Errno 98] Address already in use (port 8770)', logPath);
      return;
    }
    n.daemon = 'starting';
    n.daemonPid = this.nextPid++;
    if (logPath !== null) this.files(n).set(logPath, '');
    this.appendLog(n, `INFO p2p_daemon: starting P2P daemon node_id=${n.name} port=8770`, logPath ?? undefined);
    this.emit('daemon', n);
    const delay = Math.max(0, this.opts.daemonStartMs * this.opts.timeScale);
    n.daemonTimer = setTimeout(() => {
      n.daemonTimer = undefined;
      if (this.stopped || n.daemon !== 'starting') return;
      n.daemon = 'running';
      n.daemonSince = Date.now();
      if (!n.slowRejoin) return this.joinMesh(n);
      // slow-rejoin: /status already says `running` (what "wait until p2p healthy" sees), the
      // node counts nowhere until it rejoins (issue 11 item 3: a guard must not count it alive).
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

  /** A running daemon (re)joins the P2P mesh. */
  private joinMesh(n: SimNode): void {
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

  private duration(): number {
    return Math.max(1, this.syncMs * this.opts.timeScale);
  }

  private settle(now = Date.now()): void {
    for (const c of this.sync.values()) {
      if (!c.running || this.syncStalled) continue;
      const p = c.base + (now - c.since) / this.duration();
      if (p >= 1) {
        c.running = false;
        c.base = 1;
        c.lastSyncAt = new Date(Math.min(now, c.since + this.duration())).toISOString();
        c.since = now;
      }
    }
  }

  private progressOf(c: SyncCategory, now: number): number {
    if (!c.running || this.syncStalled) return c.base;
    return Math.min(1, c.base + (now - c.since) / this.duration());
  }

  syncStatus(): SyncStatusBody {
    const now = Date.now();
    this.settle(now);
    const categories: Record<string, SyncCategoryStatus> = {};
    let sum = 0;
    let running = false;
    for (const [name, c] of this.sync) {
      const p = this.progressOf(c, now);
      sum += p;
      running ||= c.running;
      categories[name] = {
        progress: round3(p),
        last_sync_at: c.lastSyncAt,
        pending: Math.round((SYNC_ITEMS[name] ?? 10) * (1 - p)),
      };
    }
    return { stalled: this.syncStalled, in_progress: running, progress: round3(sum / this.sync.size), categories };
  }

  /** Starts syncing the given categories (all when empty); returns the unknown ones. */
  triggerSync(categories: string[]): string[] {
    const now = Date.now();
    this.settle(now);
    const wanted = categories.length === 0 ? [...this.sync.keys()] : categories;
    const unknown = wanted.filter((c) => !this.sync.has(c));
    if (unknown.length > 0) return unknown;
    for (const name of wanted) {
      const c = this.sync.get(name)!;
      if (c.running) continue;
      c.running = true;
      c.base = 0;
      c.since = now;
    }
    return [];
  }

  /** force_full_sync on the coordinator: clears a stall and syncs everything; resolves when done. */
  async forceFullSync(sleep: (ms: number) => Promise<void>): Promise<void> {
    const now = Date.now();
    this.settle(now);
    for (const c of this.sync.values()) {
      c.base = c.running ? this.progressOf(c, now) : 0;
      c.running = true;
      c.since = now;
    }
    this.syncStalled = false;
    await sleep(this.duration());
    this.settle();
  }

  // ---- faults ----------------------------------------------------------------------------

  node(target: string): SimNode {
    const n = this.byName.get(target);
    if (n === undefined) throw new SimUsageError(`unknown node "${target}" (expected one of the ${this.nodes.length} node names, or "cluster")`);
    return n;
  }

  fault(target: string, kind: string, opts: { clear?: boolean } = {}): void {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new SimUsageError(`unknown fault "${kind}" (expected one of: ${FAULT_KINDS.join(', ')})`);
    }
    const clear = opts.clear === true;
    if ((CLUSTER_FAULTS as readonly string[]).includes(kind)) {
      if (target !== 'cluster') throw new SimUsageError(`fault "${kind}" is cluster-wide: use target "cluster", not "${target}"`);
      this.record('cluster', 'control', `fault cluster ${kind}${clear ? ' --clear' : ''}`);
      this.clusterFault(kind as ClusterFault, clear);
    } else {
      if (target === 'cluster') throw new SimUsageError(`fault "${kind}" needs a node name, not "cluster"`);
      const n = this.node(target);
      this.record(n.name, 'control', `fault ${n.name} ${kind}${clear ? ' --clear' : ''}`);
      this.nodeFault(n, kind as NodeFault, clear);
    }
    this.recompute();
  }

  private clusterFault(kind: ClusterFault, clear: boolean): void {
    switch (kind) {
      case 'leader-lost':
        this.leaderLost = !clear;
        if (!clear) this.leaderId = null;
        break;
      case 'election-stuck':
        this.stuckPending = clear ? null : new Set(this.voters.map((v) => v.name));
        if (!clear) this.leaderId = null;
        break;
      case 'admin-down':
        // The admin service is down, the sync it drives is not: progress goes on unseen.
        if (this.adminDown !== !clear) {
          this.adminDown = !clear;
          this.emit('admin', this.coordinator);
        }
        break;
      case 'sync-stalled': {
        const now = Date.now();
        this.settle(now);
        if (clear) {
          for (const c of this.sync.values()) c.since = now;
          this.syncStalled = false;
        } else if (!this.syncStalled) {
          // A stalled sync is stuck part-way with work pending (§6.1 "data sync completely stalled").
          let i = 0;
          for (const c of this.sync.values()) {
            c.base = c.running ? this.progressOf(c, now) : 0.2 + 0.15 * i++;
            c.running = true;
            c.since = now;
          }
          this.syncStalled = true;
        }
        break;
      }
    }
  }

  private nodeFault(n: SimNode, kind: NodeFault, clear: boolean): void {
    switch (kind) {
      case 'p2p-down':
        if (clear) {
          if (n.daemon !== 'running' || n.joining) {
            clearTimeout(n.daemonTimer);
            n.joining = false;
            n.daemon = 'running';
            n.daemonSince = Date.now();
            this.emit('daemon', n);
          }
        } else this.killDaemon(n);
        break;
      case 'tailscale-down':
        if (clear) this.tailscaleUpRaw(n);
        else if (n.tailscaleUp) {
          n.tailscaleUp = false;
          this.emit('tailscale', n);
        }
        break;
      case 'partition':
        n.partitionStage = clear ? null : 0;
        n.tailscaleWentDown = false;
        break;
      case 'host-down':
        if (n.hostDown !== !clear) {
          n.hostDown = !clear;
          this.emit('host', n);
        }
        break;
      case 'slow-primary':
        n.slowPrimary = !clear;
        break;
      case 'ssh-stall':
        if (n.sshStalled !== !clear) {
          n.sshStalled = !clear;
          this.emit('ssh-stall', n);
        }
        break;
      case 'p2p-ignores-sigterm':
        n.ignoresSigterm = !clear;
        break;
      case 'slow-rejoin':
        n.slowRejoin = !clear;
        // Cleared while rejoining: it rejoins now, so a cleared cluster is a healthy one.
        if (clear && n.joining) {
          clearTimeout(n.daemonTimer);
          n.daemonTimer = undefined;
          this.joinMesh(n);
        }
        break;
      case 'ip-changed':
        if (clear) {
          if (n.movedTo !== null) this.moveTo(n, null);
        } else {
          this.movedCounter++;
          this.moveTo(n, `127.${this.opts.subnet + 50}.${Math.floor(this.movedCounter / 254) % 256}.${(this.movedCounter % 254) + 1}`);
        }
        break;
      case 'rogue-peer':
        // Nothing in the runbook removes a device from the tailnet: only --clear (the admin console).
        n.roguePeer = !clear;
        break;
    }
  }

  private tailscaleUpRaw(n: SimNode): void {
    if (!n.tailscaleUp) {
      n.tailscaleUp = true;
      this.emit('tailscale', n);
    }
  }

  private moveTo(n: SimNode, to: string | null): void {
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
    if (n.files === undefined) {
      const t0 = n.daemonSince;
      n.files = new Map([
        [
          this.logPath(),
          [
            logLine(t0, `INFO p2p_daemon: starting P2P daemon node_id=${n.name} port=8770`),
            logLine(t0 + 850, `INFO p2p_backend: heartbeat interval 5s, failure threshold 3`),
            logLine(t0 + 1200, `INFO p2p_backend: joined mesh: ${this.nodes.length} peers, leader=${this.voters[0]!.name}`),
          ].join(''),
        ],
      ]);
    }
    return n.files;
  }

  appendLog(n: SimNode, message: string, path = this.logPath()): void {
    const files = this.files(n);
    const prev = files.get(path) ?? '';
    const lines = (prev + logLine(Date.now(), message)).split('\n');
    // Keep the log bounded: 1,000 nodes restarting for hours must not grow memory.
    files.set(path, lines.length > 200 ? lines.slice(-200).join('\n') : lines.join('\n'));
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
      sync: this.syncStatus(),
      mutations: [...this.mutations],
    };
  }

  stop(): void {
    this.stopped = true;
    for (const n of this.nodes) clearTimeout(n.daemonTimer);
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function logLine(t: number, message: string): string {
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)} ${message}\n`;
}

function nodeKeyHex(index: number, subnet: number): string {
  let h = (index + 1) * 2654435761 + subnet * 40503;
  let out = '';
  for (let i = 0; i < 8; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}
