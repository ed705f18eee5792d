// One heartbeat of the health monitor (§5.2): every node probed once, reduced to what the monitor
// acts on, so a cycle's history is the same size at 8 nodes and at 1,000. Pure.
import { type PeerCheck, seenByAll } from './corroboration.js';
import { leaderByMajority, looksCutOff, typicalAlive } from './leader-view.js';
import type { NodeProbe, SyncStatus } from './probes.js';

/** Why a node missed its heartbeat: nothing answers, the P2P daemon does not, or it is cut off. */
export type MissKind = 'host-down' | 'p2p-down' | 'cut-off';

export interface HeartbeatSweep {
  total: number;
  /** Nodes whose P2P `/status` answered. */
  answered: number;
  /** Only the nodes that missed: the healthy majority costs nothing in history. */
  missed: Array<{ node: string; kind: MissKind }>;
  /** The leader a strict majority of answering nodes name (§4.3), else null. */
  leader: string | null;
  /**
   * Nodes the worker cannot reach on some port while the cluster (the peers' `/status`, a check
   * from a healthy peer) sees them alive and joined (DESIGN §11). Never in `missed`: the worker's
   * vantage point is at fault, not the node, so they are shown and never recovered.
   */
  unreachableFromWorker?: string[];
  /** §4.4 sync status when asked for; `error` when the admin API did not answer. */
  sync?: Pick<SyncStatus, 'stalled' | 'inProgress' | 'progress'> | { error: string };
}

/** `peerChecks`: the checks run from healthy peers; the nodes they (or the counts) see alive are not misses. */
export function summarizeSweep(probes: readonly NodeProbe[], peerChecks?: readonly PeerCheck[]): HeartbeatSweep {
  const answering = probes.filter((p) => p.checks.p2p.ok && p.status);
  const typical = typicalAlive(answering.map((p) => p.status!));
  const missed: HeartbeatSweep['missed'] = [];
  const seen = peerChecks !== undefined ? seenByAll(probes, peerChecks) : undefined;
  const blind: string[] = [];
  for (const p of probes) {
    const by = seen?.get(p.name);
    if (by && by.worker !== 'answers' && by.peers === 'alive') {
      blind.push(p.name);
      continue;
    }
    const { p2p, http, ssh } = p.checks;
    if (!p2p.ok && !http.ok && !ssh.ok) missed.push({ node: p.name, kind: 'host-down' });
    else if (!p2p.ok || !p.status) missed.push({ node: p.name, kind: 'p2p-down' });
    else if (looksCutOff(p.status, typical)) missed.push({ node: p.name, kind: 'cut-off' });
  }
  const verdict = leaderByMajority(answering.map((p) => ({ node: p.name, status: p.status! })));
  return { total: probes.length, answered: answering.length, missed, leader: verdict.leader, ...(seen && { unreachableFromWorker: blind }) };
}
