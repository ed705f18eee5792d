// Runbook policy (config/runbook.yaml) as the workflows see it. Pure data.

export type Risk = 'read' | 'low' | 'high';
/** Whether a gated step waits for a human (`require`) or proceeds on its own (`auto`). */
export const APPROVAL_MODES = ['auto', 'require'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

export interface ApprovalPolicy {
  /** How long a step waits for a human before the procedure escalates (ms). */
  timeoutMs: number;
  /** Approval mode per step risk; `read` steps never wait. */
  modes: Record<Exclude<Risk, 'read'>, ApprovalMode>;
}

export interface EscalationPolicy {
  /** §6.1 "More than 50% of nodes unreachable". */
  unreachableFraction: number;
  /** §6.1 "Leader election stuck (no leader for >5 minutes)". */
  leaderlessMs: number;
  /** §6.1 "Data sync completely stalled": no progress for this long while triggered. */
  syncStallMs: number;
}

export interface ProbePolicy {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  /** Nodes probed by one activity; keeps history size independent of cluster size. */
  batchSize: number;
  /** Concurrent probes inside one batch activity. */
  concurrency: number;
}

export interface NotificationTarget {
  kind: 'log' | 'webhook';
  url?: string;
}

export interface RunbookPolicy {
  /** §5.2 */
  heartbeatIntervalMs: number;
  failureThreshold: number;
  recoveryBackoffMs: number;
  escalation: EscalationPolicy;
  approval: ApprovalPolicy;
  probe: ProbePolicy;
  /** Blast radius: nodes mutated at once across all running procedures. */
  maxNodesRemediated: number;
  notifications: NotificationTarget[];
}
