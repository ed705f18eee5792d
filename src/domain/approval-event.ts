// An approval gate as people outside Temporal hear of it (DESIGN §12): the event the workflow
// hands to the `notifyApproval` activity, who may decide, and how decisions are counted. Pure:
// the workflow bundle, the activities and the webhook server share it.
import type { Risk } from './policy.js';

/** Which kinds of news a notification target takes (`events:` in config/runbook.yaml). */
export const NOTIFY_EVENTS = ['escalation', 'approval', 'resolved'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** DESIGN §12 defaults: everything, except that a page is never a question (PagerDuty). */
export const DEFAULT_EVENTS: Record<'log' | 'webhook' | 'slack' | 'pagerduty', readonly NotifyEvent[]> = {
  log: NOTIFY_EVENTS,
  webhook: NOTIFY_EVENTS,
  slack: NOTIFY_EVENTS,
  pagerduty: ['escalation', 'resolved'],
};

export function targetWants(t: { kind: keyof typeof DEFAULT_EVENTS; events?: readonly NotifyEvent[] }, event: NotifyEvent): boolean {
  return (t.events ?? DEFAULT_EVENTS[t.kind]).includes(event);
}

export type ApprovalEventKind = 'approval-requested' | 'approval-decided' | 'approval-timed-out';

/** Who started the run, in the words an approver reads it (from ProcedureInput.requestedBy). */
export type RequestOrigin = 'alert' | 'monitor' | 'operator' | 'incident' | 'unknown';

export interface ApprovalEvent {
  event: ApprovalEventKind;
  /** One gate occurrence, one key: the request and its outcome share it. */
  dedupKey: string;
  workflowId: string;
  runId: string;
  /** n-th gate of this run that waited for a human: a button is bound to it, never to a later one. */
  occurrence: number;
  procedure: string;
  node?: string;
  /** The gate as the CLI names it (`approve restart tailscale`). */
  step: string;
  risk: Exclude<Risk, 'read'>;
  /** The exact action the approval allows. */
  action: string;
  /** What the run found before it asked (details of the steps that ran), most recent last. */
  evidence: string[];
  requestedBy?: string;
  origin: RequestOrigin;
  requestedAt: string;
  deadline: string;
  /** Approvals from different people needed (approval.min_approvers for the risk). */
  minApprovers: number;
  /** Who approved so far (or in the end), as they signed (`alice`, `slack:U123/alice`). */
  approvals: string[];
  /** approval-decided: the outcome, who and when. */
  approved?: boolean;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

/** The classification follows how the callers spell `requestedBy` (webhook, monitor, incident, CLI). */
export function requestOrigin(requestedBy: string | undefined): RequestOrigin {
  if (requestedBy === undefined) return 'unknown';
  if (requestedBy.startsWith('alertmanager:')) return 'alert';
  if (requestedBy.startsWith('runbook-health-monitor')) return 'monitor';
  if (requestedBy.startsWith('incident ')) return 'incident';
  if (requestedBy.startsWith('cli:') || requestedBy.startsWith('operator')) return 'operator';
  return 'unknown';
}

export const ORIGIN_TEXT: Record<RequestOrigin, string> = {
  alert: 'an alert',
  monitor: 'the health monitor',
  operator: 'an operator',
  incident: 'an incident (opened by an alert)',
  unknown: 'someone',
};

/**
 * Who a decision is from, for counting approvers: a Slack user is their user ID (a renamed user
 * is still one person), anyone else the name they gave, case and spaces aside.
 */
export function approverIdentity(by: string): string {
  const slack = /^slack:([^/]+)\//.exec(by);
  if (slack) return `slack:${slack[1]!}`;
  return by.trim().toLowerCase();
}

/** How a name reads in a tally: a Slack user by their user name. */
export function approverDisplay(by: string): string {
  const slack = /^slack:[^/]+\/(.+)$/.exec(by);
  return slack ? slack[1]! : by;
}

/** "1 of 2 approvals (alice)"; undefined when one approval decides. */
export function approvalTally(minApprovers: number | undefined, approvals: readonly string[] | undefined): string | undefined {
  if (minApprovers === undefined || minApprovers < 2) return undefined;
  const names = approvals ?? [];
  return `${names.length} of ${minApprovers} approvals${names.length > 0 ? ` (${names.map(approverDisplay).join(', ')})` : ''}`;
}

/** The dedup key shared by a gate's request and its outcome. */
export function approvalKey(workflowId: string, runId: string, occurrence: number): string {
  return `${workflowId}:${runId}:gate-${occurrence}`;
}

/** POSIX shell single quotes: the step may hold spaces; a quote in it is closed and escaped. */
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI command that approves this gate (named step: a late paste cannot approve a later gate). */
export function approveCommand(workflowId: string, step: string): string {
  return `runbook approve ${shellQuote(workflowId)} --step ${shellQuote(step)} --by <you>`;
}
