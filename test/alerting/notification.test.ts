// The notification our stand-ins for Alertmanager post (rehearse, the benchmarks) is one the
// webhook accepts, firing and resolved, one alert per occurrence with its own key.
import { describe, expect, it } from 'vitest';
import { alertmanagerNotification, type Notification } from '../../src/alerting/notification.js';
import { parsePayload } from '../../src/webhook/payload.js';

const base: Notification = {
  alertname: 'NodeEvicted',
  status: 'firing',
  receiver: 'runbook',
  site: 'bench',
  alerts: [
    { labels: { alertname: 'NodeEvicted', node: 'n1' }, startsAt: '2026-12-01T09:00:00Z', fingerprint: 'a1', summary: 'n1 evicted' },
    { labels: { alertname: 'NodeEvicted', node: 'n2' }, startsAt: '2026-12-01T09:00:00Z', fingerprint: 'a2', summary: 'n2 evicted' },
  ],
};

describe('alertmanagerNotification', () => {
  it('firing: the webhook parses it, every alert keyed by its own fingerprint and startsAt', () => {
    const parsed = parsePayload(JSON.parse(alertmanagerNotification(base)));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.payload.status).toBe('firing');
    expect(parsed.payload.alerts.map((a) => [a.status, a.labels['node'], a.fingerprint, a.startsAt, a.endsAt])).toEqual([
      ['firing', 'n1', 'a1', '2026-12-01T09:00:00Z', '0001-01-01T00:00:00Z'],
      ['firing', 'n2', 'a2', '2026-12-01T09:00:00Z', '0001-01-01T00:00:00Z'],
    ]);
  });

  it('resolved: every alert resolved, with an end time', () => {
    const parsed = parsePayload(JSON.parse(alertmanagerNotification({ ...base, status: 'resolved' })));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.payload.alerts.map((a) => a.status)).toEqual(['resolved', 'resolved']);
    expect(parsed.payload.alerts.every((a) => a.endsAt !== '0001-01-01T00:00:00Z')).toBe(true);
  });
});
