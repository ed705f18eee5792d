// One source for each default (STYLE §17). The zod schema's `.default()`s read POLICY_DEFAULTS
// (converted to the YAML's seconds and minutes), and so do the workflows when an input leaves a
// value out; config/runbook.yaml spells the same values out for operators (a test keeps it so).
// Pure data: the workflow bundle imports this module.
import { DEFAULT_ALERT_ROUTES, INCIDENT_DEFAULTS } from './alert-routing.js';
import type { RunbookPolicy } from './policy.js';

/** Read-only all the way down: a default is never edited in place. */
export type Frozen<T> = { readonly [K in keyof T]: T[K] extends object ? Frozen<T[K]> : T[K] };

/** config/runbook.yaml when a key is left out. */
export const POLICY_DEFAULTS: Frozen<RunbookPolicy> = {
  // §5.2, as configured in p2p_backend.py.
  heartbeatIntervalMs: 5_000,
  failureThreshold: 3,
  recoveryBackoffMs: 10_000,
  // §6.1
  escalation: { unreachableFraction: 0.5, leaderlessMs: 5 * 60_000, syncStallMs: 10 * 60_000 },
  // An unanswered approval escalates after this; restarts of one daemon proceed, the rest wait.
  approval: { timeoutMs: 15 * 60_000, modes: { low: 'auto', high: 'require' }, minApprovers: { low: 1, high: 1 } },
  // §3.2 uses --connect-timeout 3..5.
  probe: { connectTimeoutMs: 3_000, totalTimeoutMs: 3_000, batchSize: 250, concurrency: 128 },
  maxNodesRemediated: 2,
  // Off: a monitor that restarts daemons on its own is an operator's choice for a cluster.
  monitor: { enabled: false, maxRecoveryAttempts: 3, remediateCluster: true, flapWindowMs: 60 * 60_000 },
  notifications: [{ kind: 'log', name: 'log' }],
  approvers: { low: [], high: [] },
  // §8 routing of the runbook's five alerts, and §9 incident limits (alert-routing.ts).
  alerts: DEFAULT_ALERT_ROUTES,
  incident: INCIDENT_DEFAULTS,
};

/**
 * Limits of the procedures themselves, which config/runbook.yaml does not set (a caller may, in
 * the input). Clients copy the policy into every input, so these apply to hand-started runs.
 */
export const PROCEDURE_DEFAULTS = {
  /** How long a step polls for the node to come back (restart-p2p, fix-tailscale, recover-node). */
  verifyTimeoutMs: 60_000,
  /** Longest wait for a blast-radius slot. */
  slotWaitMs: 10 * 60_000,
  /** diagnose: most sick nodes drilled into over SSH per run (§3.5); the rest are listed. */
  maxDrilldown: 16,
  /** force-election: how long to wait for a leader after each attempt (§4.3). */
  electionWaitMs: 30_000,
  /**
   * repair-sync: no progress for this long is a stall. Shorter than the policy's §6.1 window,
   * which clients pass in; kept so a hand-started run behaves as it always has.
   */
  syncStallMs: 60_000,
  /** repair-sync: longest wait for a sync to complete. */
  syncTimeoutMs: 20 * 60_000,
} as const;
