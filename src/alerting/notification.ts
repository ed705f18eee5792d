// One Alertmanager v4 webhook notification (the body its webhook_config posts), for everything
// of ours that stands in for Alertmanager: a rehearsal's alert path and the benchmarks' storms.
// Pure: the caller picks the occurrence's fingerprint and startsAt, which key its incident.

export interface NotifiedAlert {
  labels: Record<string, string>;
  startsAt: string;
  fingerprint: string;
  summary: string;
}

export interface Notification {
  alertname: string;
  status: 'firing' | 'resolved';
  alerts: readonly NotifiedAlert[];
  receiver: string;
  /** Host part of the made-up Alertmanager and Prometheus links (`alertmanager.<site>`). */
  site: string;
  commonLabels?: Record<string, string>;
  commonSummary?: string;
}

export function alertmanagerNotification(n: Notification): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="${n.alertname}"}`,
    truncatedAlerts: 0,
    status: n.status,
    receiver: n.receiver,
    groupLabels: { alertname: n.alertname },
    commonLabels: n.commonLabels ?? { alertname: n.alertname },
    commonAnnotations: n.commonSummary !== undefined ? { summary: n.commonSummary } : {},
    externalURL: `http://alertmanager.${n.site}`,
    alerts: n.alerts.map((a) => ({
      status: n.status,
      labels: a.labels,
      annotations: { summary: a.summary },
      startsAt: a.startsAt,
      endsAt: n.status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus.${n.site}/graph`,
      fingerprint: a.fingerprint,
    })),
  });
}
