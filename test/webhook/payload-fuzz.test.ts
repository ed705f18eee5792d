// Hostile Alertmanager payloads, generated (anyone who reaches the webhook can post anything):
// valid v4 notifications mutated in types, sizes, unicode and shape (missing fields, duplicated
// alerts, labels full of shell and path syntax), and raw bodies that are not JSON at all, against
// the webhook app in process (hono's app.request) with a recording intake beside the real-HTTP
// suites. Every case must be answered below 500, never throw, and never start anything for an alert
// that is invalid or routes to no configured node.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/config/loader.js';
import { createWebhookApp } from '../../src/webhook/app.js';
import type { FireRequest, IncidentIntake } from '../../src/webhook/temporal-intake.js';
import { checkProperty } from '../helpers/fuzz.js';
import { alert, notification } from './alerts.js';

const TOKEN = 'fuzz-token-7d1c';
const NODES = new Set(['gpu-1', 'gpu-2', 'gpu-3']);
const ROUTES = defaultPolicy().alerts;

const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom('gpu-1; rm -rf /', '$(reboot)', '../../etc/passwd', 'gpu-1\n', '`id`', 'gpu-2', '\u202egpu-1', 'x'.repeat(70_000)),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(hostileText, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, -1, 1e308, [], {}));

const validAlert = fc
  .record({
    alertname: fc.constantFrom(...Object.keys(ROUTES), 'UnknownAlert'),
    node: fc.oneof(fc.constantFrom(...NODES), hostileText),
    status: fc.constantFrom('firing' as const, 'resolved' as const),
    startsAt: fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    fingerprint: fc.stringMatching(/^[0-9a-f]{16}$/),
  })
  .map((a) => alert({ alertname: a.alertname, status: a.status, labels: { node: a.node }, startsAt: a.startsAt, fingerprint: a.fingerprint }));

const sometimes = <T>(damage: fc.Arbitrary<T>, none: T): fc.Arbitrary<T> =>
  fc.oneof({ weight: 2, arbitrary: fc.constant(none) }, { weight: 1, arbitrary: damage });

/** A valid notification with fields replaced, dropped or duplicated; or no JSON at all. */
const payloads = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        alerts: fc.array(validAlert, { minLength: 1, maxLength: 6 }),
        duplicate: fc.boolean(),
        // Each kind of damage in about a third of the cases, so that valid posts stay common.
        replaceTop: sometimes(fc.dictionary(fc.constantFrom('version', 'groupKey', 'status', 'receiver', 'alerts', 'truncatedAlerts', 'commonLabels'), hostileValue, { minKeys: 1, maxKeys: 2 }), {}),
        dropTop: sometimes(fc.subarray(['version', 'alerts', 'groupKey', 'receiver', 'status'], { minLength: 1 }), []),
        replaceInAlert: sometimes(fc.dictionary(fc.constantFrom('status', 'labels', 'startsAt', 'fingerprint', 'annotations', 'endsAt'), hostileValue, { minKeys: 1, maxKeys: 2 }), {}),
      })
      .map(({ alerts, duplicate, replaceTop, dropTop, replaceInAlert }) => {
        const list = duplicate ? [...alerts, ...alerts] : alerts;
        if (Object.keys(replaceInAlert).length > 0) list[0] = { ...list[0], ...replaceInAlert };
        const body: Record<string, unknown> = { ...notification(list), ...replaceTop };
        for (const k of dropTop) delete body[k];
        return JSON.stringify(body);
      }),
  },
  { weight: 1, arbitrary: fc.oneof(hostileText, fc.jsonValue().map((v) => JSON.stringify(v))) },
  { weight: 1, arbitrary: fc.tuple(validAlert, fc.nat()).map(([a, n]) => JSON.stringify(notification([a])).slice(0, n % 300)) },
);

describe('generated hostile Alertmanager payloads', { timeout: 900_000 }, () => {
  it('never a 5xx, never a throw, never an incident for an invalid alert or an unknown node', async () => {
    const fired: FireRequest[] = [];
    const intake: IncidentIntake = {
      fire: async (req) => {
        fired.push(req);
        return { action: 'started' };
      },
      resolve: async () => ({ action: 'signalled' }),
      healthy: async () => true,
    };
    const { app } = createWebhookApp({
      token: TOKEN,
      intake,
      routes: () => ROUTES,
      nodes: () => NODES,
      incidentInput: (r) => ({ ...r }),
      workflowUrl: (id) => `http://ui/${id}`,
    });
    const tally: Record<string, number> = {};
    const { runs } = await checkProperty('alertmanager-payload', payloads, async (body) => {
      fired.length = 0;
      const res = await app.request('/alerts/alertmanager', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body,
      });
      tally[res.status] = (tally[res.status] ?? 0) + 1;
      expect(res.status, await res.clone().text()).toBeLessThan(500);
      const answer = (await res.json()) as { error?: string; accepted?: Array<{ action: string }> };
      if (res.status !== 202) {
        expect(fired, 'a refused post started nothing').toEqual([]);
        expect(typeof answer.error).toBe('string');
        expect(answer.error!.length).toBeLessThanOrEqual(500);
        return;
      }
      for (const f of fired) {
        // Only routed, known alerts on configured nodes reach Temporal.
        expect(Object.hasOwn(ROUTES, f.alert.alertname)).toBe(true);
        if (f.node !== undefined) expect(NODES.has(f.node)).toBe(true);
        expect(f.workflowId).toMatch(/^[A-Za-z0-9._-]+$/);
      }
      expect(fired.length).toBeLessThanOrEqual(answer.accepted!.length);
    });
    console.log(`alertmanager-payload: ${runs} generated posts, answered ${JSON.stringify(tally)}`);
    expect(tally[202]).toBeGreaterThan(0);
    expect(tally[400]).toBeGreaterThan(0);
  });
});
