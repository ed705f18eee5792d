// Long-running "poll, don't sleep" activities: each poll heartbeats its progress, and a retried
// attempt resumes its poll count and deadline from the last heartbeat's details.
import type { ClusterSpec, HostSpec } from '../src/domain/cluster-spec.js';
import { leaderByMajority, type LeaderVerdict, type NodeView } from '../src/domain/leader-view.js';
import type { P2pStatus, SyncStatus } from '../src/domain/probes.js';
import { findHost } from './transport/node-lookup.js';
import { cancellationSignal, heartbeat, heartbeatDetails, sleep } from './transport/context.js';
import { AdminApiError } from './errors.js';
import type { StatusResult } from './p2p.js';

export type StatusFn = (host: HostSpec, signal: AbortSignal) => Promise<StatusResult>;

interface WaitNodeDetails {
  polls: number;
  startedAt: number;
  reached?: boolean;
  last?: P2pStatus;
  error?: string;
}

export interface WaitForNodeInput {
  node: string;
  until: 'p2p-healthy' | 'rejoined';
  timeoutMs: number;
  intervalMs: number;
}

export interface WaitForNodeResult {
  reached: boolean;
  polls: number;
  last?: P2pStatus;
  error?: string;
}

/** Nodes whose /status is the majority view for `node`: the backbone, else the voters, else anyone. */
function referenceHosts(spec: ClusterSpec, node: string): HostSpec[] {
  const order = [spec.backbone, ...spec.voter_nodes, ...spec.hosts.map((h) => h.name)];
  const names = [...new Set(order)].filter((n) => n !== node).slice(0, 3);
  return names.map((n) => findHost(spec, n));
}

async function majorityView(spec: ClusterSpec, node: string, status: StatusFn, signal: AbortSignal): Promise<P2pStatus | undefined> {
  for (const ref of referenceHosts(spec, node)) {
    const r = await status(ref, signal);
    if (r.ok && r.status) return r.status;
  }
  return undefined;
}

export async function waitForNode(
  spec: () => ClusterSpec,
  input: WaitForNodeInput,
  status: StatusFn,
): Promise<WaitForNodeResult> {
  const signal = cancellationSignal();
  const prev = heartbeatDetails<WaitNodeDetails>();
  let polls = prev?.polls ?? 0;
  const startedAt = prev?.startedAt ?? Date.now();
  let last = prev?.last;
  let error = prev?.error;
  // Validate the node up front: an unknown node is permanent, not a timeout.
  findHost(spec(), input.node);
  for (;;) {
    const cfg = spec();
    const host = findHost(cfg, input.node);
    const r = await status(host, signal);
    polls++;
    let reached = false;
    if (r.ok && r.status) {
      last = r.status;
      error = undefined;
      if (input.until === 'p2p-healthy') {
        reached = r.status.status === 'running';
        if (!reached) error = `status ${r.status.status}`;
      } else {
        const ref = r.status.leader_id === null ? undefined : await majorityView(cfg, input.node, status, signal);
        reached =
          r.status.leader_id !== null &&
          ref !== undefined &&
          ref.leader_id === r.status.leader_id &&
          ref.alive_peers === r.status.alive_peers;
        if (!reached) {
          error =
            r.status.leader_id === null
              ? 'no leader seen'
              : ref === undefined
                ? 'no reference node answered'
                : `sees leader ${r.status.leader_id} with ${r.status.alive_peers} alive, majority sees ${ref.leader_id ?? 'none'} with ${ref.alive_peers}`;
        }
      }
    } else {
      error = r.error;
    }
    heartbeat({ polls, startedAt, reached, ...(last && { last }), ...(error !== undefined && { error }) } satisfies WaitNodeDetails);
    if (reached) return { reached: true, polls, ...(last && { last }) };
    if (Date.now() - startedAt + input.intervalMs > input.timeoutMs) {
      return { reached: false, polls, ...(last && { last }), ...(error !== undefined && { error }) };
    }
    await sleep(input.intervalMs);
  }
}

interface WaitLeaderDetails {
  polls: number;
  startedAt: number;
}

/** At least this many nodes are asked for the leader, so a majority means more than one. */
const MIN_LEADER_SOURCES = 3;

/**
 * Nodes whose view decides whether there is a leader (§4.3): the backbone and every voter (an
 * election is the voters' business), padded with other nodes to at least MIN_LEADER_SOURCES.
 */
export function leaderSources(cfg: ClusterSpec): HostSpec[] {
  const core = [...new Set([cfg.backbone, ...cfg.voter_nodes])];
  const others = cfg.hosts.map((h) => h.name).filter((n) => !core.includes(n));
  return [...core, ...others.slice(0, Math.max(0, MIN_LEADER_SOURCES - core.length))].map((n) => findHost(cfg, n));
}

/** Asks every leader source at once; the majority of those that answer decides (never the first). */
export async function leaderView(cfg: ClusterSpec, status: StatusFn, signal: AbortSignal): Promise<LeaderVerdict> {
  const hosts = leaderSources(cfg);
  const answers = await Promise.all(hosts.map((h) => status(h, signal)));
  const views: NodeView[] = [];
  answers.forEach((a, i) => {
    if (a.ok && a.status) views.push({ node: hosts[i]!.name, status: a.status });
  });
  return leaderByMajority(views);
}

export async function waitForLeader(
  spec: () => ClusterSpec,
  input: { timeoutMs: number; intervalMs: number },
  status: StatusFn,
): Promise<{ leader: string | null; polls: number }> {
  const signal = cancellationSignal();
  const prev = heartbeatDetails<WaitLeaderDetails>();
  let polls = prev?.polls ?? 0;
  const startedAt = prev?.startedAt ?? Date.now();
  for (;;) {
    const { leader } = await leaderView(spec(), status, signal);
    polls++;
    heartbeat({ polls, startedAt, leader });
    if (leader !== null) return { leader, polls };
    if (Date.now() - startedAt + input.intervalMs > input.timeoutMs) return { leader: null, polls };
    await sleep(input.intervalMs);
  }
}

interface WatchSyncDetails {
  polls: number;
  startedAt: number;
  progress: number;
  movedAt: number;
  /** Last time the admin API gave a status at all. */
  answeredAt?: number;
  error?: string;
}

export type SyncStatusFn = (signal: AbortSignal) => Promise<SyncStatus>;

export interface WatchSyncInput {
  timeoutMs: number;
  /** No progress for this long, while the API answers, is a stall. */
  stallMs: number;
  intervalMs: number;
  /** No answer from the admin API for this long is an outage (default: stallMs). */
  unreachableMs?: number;
}

export interface WatchSyncResult {
  outcome: 'complete' | 'stalled' | 'timeout' | 'admin-unreachable';
  progress: number;
  /** Why the admin API gave no status, for `admin-unreachable`. */
  error?: string;
}

/**
 * §4.4 watch: polls sync status until complete, stalled or timeout. A stall is only ever
 * declared on an answer: while the admin API is silent the sync may be moving unseen, and a
 * forced full resync on an outage would be harm, not repair. Silence for `unreachableMs` is its
 * own outcome.
 */
export async function watchSync(input: WatchSyncInput, syncStatus: SyncStatusFn): Promise<WatchSyncResult> {
  const signal = cancellationSignal();
  const prev = heartbeatDetails<WatchSyncDetails>();
  const now = Date.now();
  let polls = prev?.polls ?? 0;
  const startedAt = prev?.startedAt ?? now;
  let progress = prev?.progress ?? -1;
  let movedAt = prev?.movedAt ?? now;
  let answeredAt = prev?.answeredAt ?? now;
  let error = prev?.error;
  const unreachableMs = input.unreachableMs ?? input.stallMs;
  for (;;) {
    let s: SyncStatus | undefined;
    try {
      s = await syncStatus(signal);
    } catch (err) {
      // Outages and 5xx are not a stall verdict (AdminApiError, incl. AdminUnreachableError);
      // a refused key or a bad config is final and ends the watch.
      if (!(err instanceof AdminApiError)) throw err;
      error = err.reason;
    }
    polls++;
    const t = Date.now();
    if (s) {
      answeredAt = t;
      error = undefined;
      if (s.progress > progress) {
        progress = s.progress;
        movedAt = t;
      }
    }
    const shown = Math.max(progress, 0);
    heartbeat({ polls, startedAt, progress, movedAt, answeredAt, ...(error !== undefined && { error }) } satisfies WatchSyncDetails);
    if (s) {
      const pending = Object.values(s.categories).reduce((n, c) => n + c.pending, 0);
      if (s.progress >= 1 || (!s.inProgress && !s.stalled && pending === 0 && Object.keys(s.categories).length > 0)) {
        return { outcome: 'complete', progress: s.progress };
      }
      if (s.stalled) return { outcome: 'stalled', progress: s.progress };
      if (t - movedAt >= input.stallMs) return { outcome: 'stalled', progress: shown };
    } else if (t - answeredAt >= unreachableMs) {
      return { outcome: 'admin-unreachable', progress: shown, ...(error !== undefined && { error }) };
    }
    if (t - startedAt + input.intervalMs > input.timeoutMs) return { outcome: 'timeout', progress: shown };
    await sleep(input.intervalMs);
  }
}
