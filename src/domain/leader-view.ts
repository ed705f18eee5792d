// Whether the cluster has a leader, decided by the majority of the nodes asked, never by the
// first one that answers (§4.3). A partitioned node keeps reporting the leader it last knew;
// a daemon that lost its peers may still say "healthy". One such view must not make
// force-election skip the election, or stop waiting before a real leader exists. Pure.
import type { P2pStatus } from './probes.js';

export interface NodeView {
  node: string;
  status: P2pStatus;
}

export interface LeaderVerdict {
  /** The leader a strict majority of the answering nodes report; null otherwise. */
  leader: string | null;
  /** Nodes that answered /status. */
  answered: number;
  /** Of those, how many report `leader` (or report no leader, when `leader` is null). */
  agreeing: number;
  /**
   * Answering nodes that share the majority view and do not look cut off, in the order asked:
   * where an election trigger can work (a partitioned node refuses it, §4.3).
   */
  connected: string[];
}

/** A view from a node that says it is cut off, or sees at most half the peers a typical node sees. */
export function looksCutOff(s: P2pStatus, typicalAlive: number): boolean {
  if (s.cluster_health === 'partitioned') return true;
  return s.total_peers > 1 && typicalAlive > 1 && s.alive_peers * 2 <= typicalAlive;
}

/** What a typical node sees: the median alive count, so neither an island nor one odd count decides it. */
export function typicalAlive(statuses: readonly P2pStatus[]): number {
  const sorted = statuses
    .filter((s) => s.cluster_health !== 'partitioned')
    .map((s) => s.alive_peers)
    .sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The majority view of `views` (the nodes that answered, in the order asked). A cut-off node's
 * leader counts as "no leader": whatever it names is stale. A leader is believed only when
 * more than half of the answering nodes name it.
 */
export function leaderByMajority(views: readonly NodeView[]): LeaderVerdict {
  const typical = typicalAlive(views.map((v) => v.status));
  const votes = views.map((v) => (looksCutOff(v.status, typical) ? null : v.status.leader_id));
  const counts = new Map<string | null, number>();
  for (const v of votes) counts.set(v, (counts.get(v) ?? 0) + 1);
  let leader: string | null = null;
  for (const [name, n] of counts) if (name !== null && n * 2 > views.length) leader = name;
  const connected = views.filter((v, i) => votes[i] === leader && !looksCutOff(v.status, typical)).map((v) => v.node);
  return { leader, answered: views.length, agreeing: counts.get(leader) ?? 0, connected };
}
