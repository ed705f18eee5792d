// The faults the simulator can inject (docs/reference/simulator.md "Faults"): per node or cluster-wide.

export const NODE_FAULTS = ['p2p-down', 'tailscale-down', 'partition', 'host-down', 'ip-changed', 'rogue-peer', 'slow-primary', 'ssh-stall', 'p2p-ignores-sigterm', 'slow-rejoin', 'blind-to-worker', 'flapping'] as const;
export const CLUSTER_FAULTS = ['leader-lost', 'election-stuck', 'sync-stalled', 'admin-down'] as const;
export const FAULT_KINDS = [...NODE_FAULTS, ...CLUSTER_FAULTS] as const;
export type NodeFault = (typeof NODE_FAULTS)[number];
export type ClusterFault = (typeof CLUSTER_FAULTS)[number];
export type FaultKind = NodeFault | ClusterFault;

export function isFaultKind(kind: string): kind is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(kind);
}

export function isClusterFault(kind: string): kind is ClusterFault {
  return (CLUSTER_FAULTS as readonly string[]).includes(kind);
}
