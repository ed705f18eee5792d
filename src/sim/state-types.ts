// The simulated cluster's state: one node as the model holds it, what a node's daemon answers
// on `/status`, and the `sim state --json` contract (docs/reference/simulator.md).
import type { SyncStatusBody } from './data-sync.js';
import type { ClusterFault, NodeFault } from './faults.js';
import type { NodeLayout, SimProvider } from './topology.js';

export type DaemonState = 'running' | 'stopped' | 'starting';
export type MutationSource = 'ssh' | 'http' | 'control';

export interface Mutation {
  at: string;
  node: string;
  source: MutationSource;
  command: string;
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
  /** flapping: every daemon start is followed by a crash `flapAfterMs` (scaled) after it runs. */
  flapping: boolean;
  /** The pending crash of a flapping daemon. */
  flapTimer: NodeJS.Timeout | undefined;
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
  /**
   * blind-to-worker: its P2P and health ports refuse every real socket (all of which come from
   * outside the cluster: the worker, tests), as an egress rule on the worker's host would; SSH
   * and everything inside the cluster see it as usual.
   */
  blindToWorker: boolean;
  /** Fields merged over this node's `/status` answer (a confused or hostile daemon); null: none. */
  statusOverride: Record<string, unknown> | null;
}

/** A healthy node as the simulator starts it: daemon up for an hour, host up for days. */
export function newNode(l: NodeLayout, subnet: number, now: number): SimNode {
  return {
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
    flapping: false,
    flapTimer: undefined,
    joining: false,
    partitionStage: null,
    tailscaleWentDown: false,
    bootedAt: now - (3 + (l.index % 20)) * 86_400_000 - l.index * 60_000,
    files: undefined,
    nodeKey: nodeKeyHex(l.index, subnet),
    tailscaleId: 100_000 + l.index,
    roguePeer: false,
    slowPrimary: false,
    blindToWorker: false,
    statusOverride: null,
  };
}

/** A stable 64-hex-digit Tailscale node key per (index, subnet). */
function nodeKeyHex(index: number, subnet: number): string {
  let h = (index + 1) * 2654435761 + subnet * 40503;
  let out = '';
  for (let i = 0; i < 8; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

/** GET :8770/status as one node sees the cluster. */
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

/** `sim state --json`. */
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
