// bench/recovery's fault kinds: the simulator fault (docs/reference/simulator.md), the alert that reports it
// in production and that the webhook routes (config/runbook.yaml `alerts:`, docs/reference/alert-routing.md), and
// whether it takes one alert per failing node.

export interface RecoveryFault {
  /** The simulator's fault name. */
  kind: string;
  /** A node fault is set on N nodes; a cluster fault once (the bench runs it at N = 1 only). */
  scope: 'node' | 'cluster';
  alertname: string;
  /** NodeEvicted names its node (one alert, one incident per node); the others are cluster-wide. */
  perNode: boolean;
  /** What the incident runs to fix it (printed in the table). */
  fixedBy: string;
}

export const RECOVERY_FAULTS: readonly RecoveryFault[] = [
  // §4.1: diagnose finds the dead daemon, the incident runs restart-p2p per node.
  { kind: 'p2p-down', scope: 'node', alertname: 'ClusterConnectivityDegraded', perNode: false, fixedBy: 'restart-p2p' },
  // §4.2: primary address dead, fallback fine; fix-tailscale per node (high risk: auto-approved here).
  { kind: 'tailscale-down', scope: 'node', alertname: 'ClusterConnectivityDegraded', perNode: false, fixedBy: 'fix-tailscale' },
  // §4.5: the evicted node's alert routes straight to recover-node on it.
  { kind: 'partition', scope: 'node', alertname: 'NodeEvicted', perNode: true, fixedBy: 'recover-node' },
  // §4.4 and §4.3: cluster-wide, one incident.
  { kind: 'sync-stalled', scope: 'cluster', alertname: 'SyncHostCritical', perNode: false, fixedBy: 'repair-sync' },
  { kind: 'leader-lost', scope: 'cluster', alertname: 'LeaderElectionStalled', perNode: false, fixedBy: 'force-election' },
];

export const RECOVERY_FAULT_KINDS = RECOVERY_FAULTS.map((f) => f.kind);

export function recoveryFault(kind: string): RecoveryFault {
  const f = RECOVERY_FAULTS.find((x) => x.kind === kind);
  if (!f) throw new Error(`unknown fault kind "${kind}"`);
  return f;
}

/**
 * Cluster size for the largest N: at least 16 nodes, and N failing nodes at most a third of it,
 * so §6.1's "more than half unreachable" escalation never triggers and the bench measures the
 * recovery, not the escalation; voters (5) are never among the failing nodes.
 */
export function clusterSizeFor(maxFailing: number): number {
  return Math.max(16, 3 * maxFailing + 5);
}
