// The diagnose report (DESIGN §6). Pure data.
import type { SeenBy } from './corroboration.js';
import type { CheckResult, RoutingCheck, Via } from './probes.js';

export const FINDING_KINDS = [
  'p2p-down',
  'tailscale-down',
  'partition',
  'host-down',
  'leader-lost',
  'sync-stalled',
  'ip-changed',
  // DESIGN §11: the worker cannot reach a node the cluster sees alive. Reported, never remediated.
  'unreachable-from-worker',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  kind: FindingKind;
  /** Absent for cluster-wide findings (leader-lost, sync-stalled). */
  node?: string;
  evidence: string;
  /** How a node finding was corroborated; absent in reports made before corroboration. */
  seenBy?: SeenBy;
}

/** The procedures diagnose may recommend (all of them runbook procedures: workflows/registry.ts checks it). */
export type RemedyName =
  | 'restart-p2p'
  | 'fix-tailscale'
  | 'force-election'
  | 'repair-sync'
  | 'recover-node'
  | 'update-hosts';

export interface Recommendation {
  procedure: RemedyName;
  node?: string;
  reason: string;
}

export interface NodeReport {
  name: string;
  via: Via;
  checks: { p2p: CheckResult; http: CheckResult; ssh: CheckResult; tailscale: CheckResult };
}

export interface ClusterSummary {
  leader_id: string | null;
  alive_peers: number;
  total_peers: number;
  health: string;
  voters_alive: number;
  voters_total: number;
}

export interface DiagnoseReport {
  cluster: ClusterSummary;
  nodes: NodeReport[];
  findings: Finding[];
  escalate: { needed: boolean; reasons: string[] };
  recommended: Recommendation[];
  /** §3.5 drill-down of sick nodes (capped), keyed by node. */
  drilldown?: Array<{ node: string; ok: boolean; sections: Record<string, string>; error?: string }>;
  /** §3.4 routing checks (DNS, TCP, traceroute) of unreachable nodes (capped). */
  routing?: RoutingCheck[];
  generatedAt: string;
}
