// DESIGN §11 "look again right before acting", and the quorum guard's count of live voters,
// both as the cluster sees it: the node and the nodes that decide who leads are probed now, and
// a node that does not answer the worker is checked from a healthy peer before it counts as down.
import type { ClusterSpec } from '../src/domain/cluster-spec.js';
import { type FreshLook, freshLookAt, planFreshLook, seenByAll } from '../src/domain/corroboration.js';
import type { NodeProbe } from '../src/domain/probes.js';
import { runPeerChecks } from './corroborate.js';
import type { SshRunner } from './ssh.js';
import { leaderSources } from './wait.js';

export interface LookDeps {
  spec: ClusterSpec;
  probe: (names: string[]) => Promise<NodeProbe[]>;
  ssh: Pick<SshRunner, 'run'>;
}

/** The node and the leader sources (backbone and voters), each once, the node first. */
function namesAround(spec: ClusterSpec, node: string): string[] {
  return [...new Set([node, ...leaderSources(spec).map((h) => h.name)])];
}

export async function lookAgain(node: string, deps: LookDeps): Promise<FreshLook> {
  const probes = await deps.probe(namesAround(deps.spec, node));
  const checks = await runPeerChecks(planFreshLook(node, probes), deps.ssh);
  return freshLookAt(node, probes, checks);
}

/**
 * Voters whose daemon runs and is connected, as the cluster sees them: a voter that answers the
 * worker is judged by its own /status (running, not partitioned); one that does not is alive
 * when a healthy peer reaches its P2P port.
 */
export async function votersAliveSeenByCluster(voters: readonly string[], deps: LookDeps): Promise<{ alive: string[]; fromPeers: string[] }> {
  const probes = await deps.probe([...new Set([...voters, ...leaderSources(deps.spec).map((h) => h.name)])]);
  const silent = voters.filter((v) => {
    const p = probes.find((x) => x.name === v);
    return !p || !p.checks.p2p.ok || !p.status;
  });
  const plans = silent.flatMap((v) => planFreshLook(v, probes));
  const seen = seenByAll(probes, await runPeerChecks(plans, deps.ssh));
  const alive: string[] = [];
  const fromPeers: string[] = [];
  for (const v of voters) {
    const p = probes.find((x) => x.name === v);
    if (p?.checks.p2p.ok && p.status) {
      if (p.status.status === 'running' && p.status.cluster_health !== 'partitioned') alive.push(v);
    } else if (seen.get(v)?.fromPeer?.p2p === 'answers') {
      alive.push(v);
      fromPeers.push(v);
    }
  }
  return { alive, fromPeers };
}
