// The Alertmanager notifications a rehearsal of the alert path posts to the webhook's own app:
// the v4 webhook payload, firing and then resolved once the twin is healthy, as
// Alertmanager would send them. Pure.
import { randomBytes } from 'node:crypto';
import { alertmanagerNotification } from '../alerting/notification.js';

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
  const summary = `${a.alertname} (rehearsal on a twin)`;
  return alertmanagerNotification({
    alertname: a.alertname,
    status,
    receiver: 'runbook-rehearse',
    site: 'rehearse.invalid',
    commonLabels: a.labels,
    commonSummary: summary,
    alerts: [{ labels: a.labels, startsAt: a.startsAt, fingerprint: a.fingerprint, summary }],
  });
}
