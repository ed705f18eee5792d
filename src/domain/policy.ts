// Runbook policy (config/runbook.yaml) as the workflows see it. Pure data.
import type { AlertRoute, IncidentPolicy } from './alert-routing.js';
import type { NotifyEvent } from './approval-event.js';

export type Risk = 'read' | 'low' | 'high';
/** Whether a gated step waits for a human (`require`) or proceeds on its own (`auto`). */
export const APPROVAL_MODES = ['auto', 'require'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

export interface ApprovalPolicy {
  /** How long a step waits for a human before the procedure escalates (ms). */
  timeoutMs: number;
  /** Approval mode per step risk; `read` steps never wait. */
  modes: Record<Exclude<Risk, 'read'>, ApprovalMode>;
  /** Approvals from different people a step of this risk needs (default 1 each). */
  minApprovers?: Record<Exclude<Risk, 'read'>, number>;
}

/** Slack user IDs allowed to decide from Slack, per risk (`approvers:`; DESIGN §12). */
export type Approvers = Record<Exclude<Risk, 'read'>, string[]>;

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

/**
 * §6 where escalations go (DESIGN §9). `name` says to whom in progress and logs; secrets are
 * referenced by environment variable name (`urlEnv`, `routingKeyEnv`) and read by the worker.
 */
export type NotificationTarget = (
  | { kind: 'log'; name: string }
  /** `secretEnv`: the HMAC-SHA256 key of the `X-Runbook-Signature` header over the body. */
  | { kind: 'webhook'; name: string; url?: string; urlEnv?: string; secretEnv?: string }
  | { kind: 'slack'; name: string; urlEnv: string }
  | { kind: 'pagerduty'; name: string; routingKeyEnv: string; url: string }
) & {
  /** What the target hears of; absent means the kind's default (approval-event.ts DEFAULT_EVENTS). */
  events?: NotifyEvent[];
};

/** §5.2–5.3 the health monitor. */
export interface MonitorPolicy {
  /** `runbook dev` starts the monitor when true. */
  enabled: boolean;
  /** recover-node attempts per node before the monitor escalates it. */
  maxRecoveryAttempts: number;
  /** Start force-election / repair-sync on a leaderless cluster or a stalled sync. */
  remediateCluster: boolean;
  /** A node recovered more than maxRecoveryAttempts times within this window is flapping. */
  flapWindowMs: number;
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
  monitor: MonitorPolicy;
  notifications: NotificationTarget[];
  /** Who may decide from Slack; absent: nobody (the CLI and Web UI still can). */
  approvers?: Approvers;
  /** §8 alert routing: alert name → route (defaults for the runbook's five alerts). */
  alerts: Record<string, AlertRoute>;
  /** §9 connectivity-incident limits. */
  incident: IncidentPolicy;
}
