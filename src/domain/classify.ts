// Turns raw probe results into findings, escalation and recommendations (runbook §3, §6.1).
// Pure and deterministic: the diagnose workflow runs it, unit tests feed it by hand.
import type { Provider } from './cluster-spec.js';
import { quorumSize } from './cluster-spec.js';
import { looksCutOff as looksPartitioned, typicalAlive } from './leader-view.js';
import type { EscalationPolicy } from './policy.js';
import { describeSeenBy, type PeerCheck, type SeenBy, seenByAll } from './corroboration.js';
import type { NodeProbe, SyncStatus, TailscaleView } from './probes.js';
import type { ClusterSummary, Finding, NodeReport, Recommendation } from './report.js';

export interface NodeMeta {
  name: string;
  host: string;
  /** Configured Tailscale address (`tailscale_ip`, or `host` in 100.64.0.0/10). */
  tailscaleIp?: string;
  voter: boolean;
  provider: Provider;
}

export interface ClassifyInput {
  nodes: NodeMeta[];
  probes: NodeProbe[];
  tailscale?: TailscaleView;
  sync?: SyncStatus;
  escalation: EscalationPolicy;
  /** How long the cluster has been without a leader, when a caller has been watching. */
  leaderlessForMs?: number;
  /**
   * Checks run from healthy peers (DESIGN §11). Present (even empty): findings are corroborated
   * with the peers' view and carry `seenBy`. Absent: the worker's view alone, as in reports
   * recorded before corroboration (their histories replay to the same decisions).
   */
  peerChecks?: PeerCheck[];
}

export interface Classification {
  cluster: ClusterSummary;
  nodes: NodeReport[];
  findings: Finding[];
  escalate: { needed: boolean; reasons: string[] };
  recommended: Recommendation[];
}

const PROCEDURE_FOR: Partial<Record<Finding['kind'], Recommendation['procedure']>> = {
  'p2p-down': 'restart-p2p',
  'tailscale-down': 'fix-tailscale',
  partition: 'recover-node',
  'ip-changed': 'update-hosts',
  'leader-lost': 'force-election',
  'sync-stalled': 'repair-sync',
};

function mostCommon<T>(values: T[]): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  let bestCount = 0;
  for (const v of values) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

export function classify(input: ClassifyInput): Classification {
  const probeBy = new Map(input.probes.map((p) => [p.name, p]));
  const peerBy = new Map((input.tailscale?.peers ?? []).map((p) => [p.name, p]));
  const findings: Finding[] = [];

  // The majority view: what most answering daemons report, so one confused node can't decide it.
  const answering = input.probes.filter((p) => p.checks.p2p.ok && p.status);
  // A node is partitioned when it says so or sees at most half of what a typical node sees
  // (a minority island of several nodes counts too, §4.5).
  const majorityAlive = typicalAlive(answering.map((p) => p.status!));
  const connected = answering.filter((p) => !looksPartitioned(p.status!, majorityAlive));
  const leaderId = mostCommon(connected.map((p) => p.status!.leader_id)) ?? null;

  const unreachable = new Set<string>();
  const partitioned = new Set<string>();
  /** Nodes the worker cannot reach on P2P while the cluster sees them alive (§11). */
  const blind = new Set<string>();
  const seen = input.peerChecks !== undefined ? seenByAll(input.probes, input.peerChecks) : undefined;
  const push = (f: Finding): void => {
    const by = f.node !== undefined ? seen?.get(f.node) : undefined;
    findings.push(by ? { ...f, seenBy: by } : f);
  };
  for (const meta of input.nodes) {
    const probe = probeBy.get(meta.name);
    const peer = peerBy.get(meta.name);
    const by = seen?.get(meta.name);
    if (probe && by && by.worker !== 'answers' && by.peers === 'alive') {
      blind.add(meta.name);
      push({ kind: 'unreachable-from-worker', node: meta.name, evidence: blindEvidence(meta.host, probe, by) });
      continue;
    }
    // Only a configured Tailscale address can have moved; a public host is not compared.
    const expectedIp = meta.tailscaleIp;
    const movedTo =
      expectedIp !== undefined && peer?.online && peer.ips.length > 0 && !peer.ips.includes(expectedIp) ? peer.ips[0] : undefined;
    if (!probe) continue;
    const { p2p, http, ssh } = probe.checks;
    const anyAnswer = p2p.ok || http.ok || ssh.ok;
    const moved = movedTo !== undefined && probe.via !== 'primary';
    if (moved) {
      push({
        kind: 'ip-changed',
        node: meta.name,
        evidence: `config says ${meta.tailscaleIp}, Tailscale reports ${movedTo} (online); primary address does not answer`,
      });
      // Over the fallback the node can still show other faults; without one nothing more is known.
      if (!anyAnswer) {
        unreachable.add(meta.name);
        continue;
      }
    }
    if (!anyAnswer) {
      unreachable.add(meta.name);
      push({
        kind: 'host-down',
        node: meta.name,
        evidence: `no answer on p2p/http/ssh at ${meta.host}${probe.via === 'none' ? ' or its fallback' : ''} (${p2p.error ?? 'no answer'})`,
      });
      continue;
    }
    if (probe.via === 'fallback' && !moved && seen !== undefined && p2p.ok && peer?.online === true && input.tailscale?.backendState === 'Running') {
      // §11: only the primary (Tailscale) path from the worker fails, while the tailnet shows the
      // node online and its daemon answers: the worker's own Tailscale, not the node's.
      blind.add(meta.name);
      push({
        kind: 'unreachable-from-worker',
        node: meta.name,
        evidence: `primary ${meta.host} does not answer the worker, fallback does, yet Tailscale shows the node online and its daemon answers: the worker's own Tailscale path, not the node`,
      });
      continue;
    }
    if (probe.via === 'fallback' && !moved) {
      push({
        kind: 'tailscale-down',
        node: meta.name,
        evidence: `primary ${meta.host} does not answer, fallback does${peer && !peer.online ? '; Tailscale shows the node offline' : ''}`,
      });
    }
    if (!p2p.ok) {
      push({
        kind: 'p2p-down',
        node: meta.name,
        evidence: `p2p port ${p2p.error ?? 'failed'} while ${http.ok ? 'http' : 'ssh'} answers`,
      });
      continue;
    }
    if (probe.status && looksPartitioned(probe.status, majorityAlive)) {
      partitioned.add(meta.name);
      push({
        kind: 'partition',
        node: meta.name,
        evidence: `node sees ${probe.status.alive_peers}/${probe.status.total_peers} peers (health ${probe.status.cluster_health}); the cluster sees ${majorityAlive}`,
      });
    }
  }

  if (connected.length > 0 && leaderId === null) {
    findings.push({ kind: 'leader-lost', evidence: `${connected.length} answering nodes report no leader` });
  }
  if (input.sync?.stalled) {
    findings.push({
      kind: 'sync-stalled',
      evidence: `admin API reports sync stalled at ${Math.round(input.sync.progress * 100)}%`,
    });
  }

  const total = input.nodes.length;
  const escalateReasons: string[] = [];
  if (total > 0 && unreachable.size / total > input.escalation.unreachableFraction) {
    escalateReasons.push(
      `${unreachable.size} of ${total} nodes unreachable (more than ${Math.round(input.escalation.unreachableFraction * 100)}%)`,
    );
  }
  if (leaderId === null && input.leaderlessForMs !== undefined && input.leaderlessForMs > input.escalation.leaderlessMs) {
    escalateReasons.push(`no leader for ${Math.round(input.leaderlessForMs / 60_000)} minutes`);
  }
  if (total > 0 && blind.size / total > input.escalation.unreachableFraction) {
    escalateReasons.push(
      `the worker cannot reach ${blind.size} of ${total} nodes that the cluster sees alive: check the worker's own network (firewall, its Tailscale); nothing was changed`,
    );
  }
  if (input.sync?.stalled) escalateReasons.push('data sync completely stalled');
  const failing = input.nodes.filter((n) => unreachable.has(n.name));
  const providers = new Set(failing.map((n) => n.provider));
  const onlyProvider = [...providers][0];
  if (failing.length >= 2 && providers.size === 1 && onlyProvider !== 'unknown' && onlyProvider !== undefined) {
    const atProvider = input.nodes.filter((n) => n.provider === onlyProvider).length;
    escalateReasons.push(`all ${failing.length} unreachable nodes are at ${onlyProvider} (${atProvider} nodes there): provider outage suspected`);
  }

  const recommended: Recommendation[] = findings.flatMap((f) => {
    const procedure = PROCEDURE_FOR[f.kind];
    return procedure ? [{ procedure, ...(f.node !== undefined && { node: f.node }), reason: f.kind }] : [];
  });

  const votersTotal = input.nodes.filter((n) => n.voter).length;
  // A voter the peers see alive counts as alive, whatever the worker sees (§11 quorum guard).
  const votersAlive = input.nodes.filter(
    (n) => n.voter && ((probeBy.get(n.name)?.checks.p2p.ok && !partitioned.has(n.name)) || blind.has(n.name)),
  ).length;
  const view = connected.find((p) => p.status!.leader_id === leaderId)?.status;
  const cluster: ClusterSummary = {
    leader_id: leaderId,
    alive_peers: connected.length + blind.size,
    total_peers: total,
    health: view?.cluster_health ?? 'unknown',
    voters_alive: votersAlive,
    voters_total: votersTotal,
  };
  if (votersTotal > 0 && votersAlive < quorumSize(votersTotal)) {
    escalateReasons.push(`only ${votersAlive} of ${votersTotal} voters alive: no election quorum`);
  }

  const nodes: NodeReport[] = input.nodes.map((n) => {
    const probe = probeBy.get(n.name);
    const peer = peerBy.get(n.name);
    const missing = { ok: false, ms: 0, error: 'not probed' };
    return {
      name: n.name,
      via: probe?.via ?? 'none',
      checks: {
        p2p: probe?.checks.p2p ?? missing,
        http: probe?.checks.http ?? missing,
        ssh: probe?.checks.ssh ?? missing,
        tailscale: peer ? { ok: peer.online, ms: 0 } : { ok: false, ms: 0, error: input.tailscale ? 'not in tailnet' : 'not checked' },
      },
    };
  });

  return { cluster, nodes, findings, escalate: { needed: escalateReasons.length > 0, reasons: escalateReasons }, recommended };
}

function blindEvidence(host: string, probe: NodeProbe, by: SeenBy): string {
  const { p2p, http, ssh } = probe.checks;
  const answered = [http.ok && 'http', ssh.ok && 'ssh'].filter(Boolean).join(' and ');
  return `the worker gets no answer from p2p at ${host} (${p2p.error ?? 'no answer'})${answered ? ` while ${answered} answer` : ''}, but the cluster sees the node alive (${describeSeenBy(by)}): the worker's own network, not the node`;
}
