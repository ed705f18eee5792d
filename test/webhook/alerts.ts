// Hand-built Alertmanager v4 notifications (the shape Alertmanager's webhook_config posts) and
// a poster for the webhook's real HTTP endpoint.
import { randomBytes } from 'node:crypto';

export interface AlertSpec {
  alertname: string;
  status?: 'firing' | 'resolved';
  labels?: Record<string, string>;
  startsAt?: string;
  fingerprint?: string;
}

export function alert(a: AlertSpec): Record<string, unknown> {
  const status = a.status ?? 'firing';
  return {
    status,
    labels: { alertname: a.alertname, severity: 'critical', ...a.labels },
    annotations: { summary: `${a.alertname} (test)` },
    startsAt: a.startsAt ?? new Date().toISOString(),
    endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.test/graph?g0.expr=up',
    fingerprint: a.fingerprint ?? randomBytes(8).toString('hex'),
  };
}

export function notification(alerts: Array<Record<string, unknown>>, status: 'firing' | 'resolved' = 'firing'): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="test"}',
    truncatedAlerts: 0,
    status,
    receiver: 'runbook',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test',
    alerts,
  };
}

export interface Posted {
  status: number;
  body: { accepted?: Array<{ alert: string; fingerprint: string; workflowId?: string; url?: string; action: string; reason?: string }>; error?: string };
}

/** POSTs to /alerts/alertmanager over real HTTP; `token: null` sends no Authorization header. */
export async function post(baseUrl: string, body: unknown, token: string | null, raw?: string): Promise<Posted> {
  const res = await fetch(`${baseUrl}/alerts/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== null && { authorization: `Bearer ${token}` }) },
    body: raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Posted['body'];
  try {
    parsed = JSON.parse(text) as Posted['body'];
  } catch {
    parsed = { error: text };
  }
  return { status: res.status, body: parsed };
}
