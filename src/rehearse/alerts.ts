// The Alertmanager notifications a rehearsal of the alert path posts to the webhook's own app:
// the v4 webhook payload (DESIGN §8), firing and then resolved once the twin is healthy, as
// Alertmanager would send them. Pure.
import { randomBytes } from 'node:crypto';

export interface AlertOccurrence {
  alertname: string;
  labels: Record<string, string>;
  startsAt: string;
  fingerprint: string;
}

export function newOccurrence(alertname: string, node: string | undefined, nodeLabel: string, now = new Date()): AlertOccurrence {
  return {
    alertname,
    labels: { alertname, severity: 'critical', ...(node !== undefined && { [nodeLabel]: node }) },
    startsAt: now.toISOString(),
    fingerprint: randomBytes(8).toString('hex'),
  };
}

export function notificationBody(a: AlertOccurrence, status: 'firing' | 'resolved'): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="${a.alertname}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'runbook-rehearse',
    groupLabels: { alertname: a.alertname },
    commonLabels: a.labels,
    commonAnnotations: { summary: `${a.alertname} (rehearsal on a twin)` },
    externalURL: 'http://alertmanager.rehearse.invalid',
    alerts: [
      {
        status,
        labels: a.labels,
        annotations: { summary: `${a.alertname} (rehearsal on a twin)` },
        startsAt: a.startsAt,
        endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.rehearse.invalid/graph',
        fingerprint: a.fingerprint,
      },
    ],
  });
}
