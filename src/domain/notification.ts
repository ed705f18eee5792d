// What the `notify` activity takes and returns (DESIGN §9, runbook §6). Pure data.
import type { EscalationBundle } from './procedure-input.js';

/** PagerDuty Events v2 severities; Slack and the generic webhook carry the same word. */
export type Severity = 'critical' | 'error' | 'warning' | 'info';

export interface NotifyInput {
  /**
   * One incident, one key: the incident's or procedure's workflow ID (the monitor uses one
   * per node). PagerDuty's `dedup_key`, so repeats join one page and `resolve` closes it.
   */
  dedupKey: string;
  /** `trigger` on escalation, `resolve` when the same incident later heals. */
  action: 'trigger' | 'resolve';
  /** One line for a human; capped at 1,024 characters (PagerDuty's limit). */
  summary: string;
  severity: Severity;
  /** What is affected: a node name or `cluster` (PagerDuty `payload.source`). */
  source: string;
  /** The procedure that raised it (`recover-node`, `health-monitor`, …). */
  procedure?: string;
  /** Workflow to open in the Web UI, when there is one. */
  workflowId?: string;
  /** §6.2 information to gather; bounded in size before it is sent. */
  bundle?: EscalationBundle;
}

/** What happened at one target: sent, or why not. Never a URL or key, only the target's name. */
export interface NotifyDelivery {
  target: string;
  kind: 'log' | 'webhook' | 'slack' | 'pagerduty';
  ok: boolean;
  attempts: number;
  /** Last HTTP status, when an answer came. */
  httpStatus?: number;
  error?: string;
}

export interface NotifyResult {
  dedupKey: string;
  action: NotifyInput['action'];
  sentAt: string;
  deliveries: NotifyDelivery[];
}

/** "pagerduty:oncall ok, slack:ops FAILED (HTTP 500 after 4 attempts)", for step details. */
export function describeDeliveries(r: NotifyResult): string {
  if (r.deliveries.length === 0) return `${r.action}: no notification target configured`;
  const parts = r.deliveries.map((d) =>
    d.ok
      ? `${d.kind}:${d.target} ok`
      : `${d.kind}:${d.target} FAILED (${d.error ?? (d.httpStatus !== undefined ? `HTTP ${d.httpStatus}` : 'error')} after ${d.attempts} attempt(s))`,
  );
  return `${r.action} ${parts.join(', ')}`;
}
