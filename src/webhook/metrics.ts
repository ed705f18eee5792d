// The webhook's own /metrics (DESIGN §8, §10) in the Prometheus text format 0.0.4: alerts
// received, incidents by action, alerts answered by another post's Temporal call (coalesced),
// rejected requests by reason, request latency. Hand-written because it is six series; every
// label value is fixed here, so nothing from a request becomes a label (no cardinality blow-up
// from hostile alert names).
export const ACTIONS = ['started', 'joined', 'signalled', 'ignored'] as const;
export type IncidentAction = (typeof ACTIONS)[number];
export const REJECT_REASONS = ['unauthorized', 'too_large', 'bad_json', 'bad_payload', 'temporal_unavailable'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
const STATUSES = ['firing', 'resolved'] as const;
/** Seconds: a join is a few ms, a start tens of ms, a slow Temporal seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class WebhookMetrics {
  private readonly received = new Map<string, number>(STATUSES.map((s) => [s, 0]));
  private readonly actions = new Map<string, number>(ACTIONS.map((a) => [a, 0]));
  private readonly rejected = new Map<string, number>(REJECT_REASONS.map((r) => [r, 0]));
  private readonly buckets = BUCKETS.map(() => 0);
  private coalescedCount = 0;
  private count = 0;
  private sum = 0;

  alertReceived(status: (typeof STATUSES)[number]): void {
    this.received.set(status, (this.received.get(status) ?? 0) + 1);
  }

  incident(action: IncidentAction): void {
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
  }

  /** A firing alert answered by the signal-with-start in flight or recently recorded for it (coalesce-fires.ts). */
  coalesced(): void {
    this.coalescedCount++;
  }

  reject(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  observeSeconds(seconds: number): void {
    this.count++;
    this.sum += seconds;
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.buckets[i]!++;
    });
  }

  text(): string {
    const lines: string[] = [];
    const counter = (name: string, help: string, label: string, values: Map<string, number>): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [v, n] of values) lines.push(`${name}{${label}="${v}"} ${n}`);
    };
    counter('runbook_webhook_alerts_received_total', 'Alerts received from Alertmanager, by alert status.', 'status', this.received);
    counter('runbook_webhook_incidents_total', 'Alerts by what happened to their incident.', 'action', this.actions);
    const c = 'runbook_webhook_alerts_coalesced_total';
    lines.push(`# HELP ${c} Firing alerts answered by the Temporal call in flight or recorded within the last minute for the same occurrence.`, `# TYPE ${c} counter`, `${c} ${this.coalescedCount}`);
    counter('runbook_webhook_requests_rejected_total', 'Requests answered 4xx/5xx, by reason.', 'reason', this.rejected);
    const h = 'runbook_webhook_request_duration_seconds';
    lines.push(`# HELP ${h} Time to answer POST /alerts/alertmanager.`, `# TYPE ${h} histogram`);
    BUCKETS.forEach((le, i) => lines.push(`${h}_bucket{le="${le}"} ${this.buckets[i]}`));
    lines.push(`${h}_bucket{le="+Inf"} ${this.count}`, `${h}_sum ${this.sum}`, `${h}_count ${this.count}`);
    return `${lines.join('\n')}\n`;
  }
}
