// Coalescing of identical alert posts (src/webhook/coalesce-fires.ts), with a fake intake whose
// calls the test holds open and settles by hand, and a hand-driven clock: who waits on whose
// call, what each is answered, how long a recorded occurrence answers, and what is never kept.
// The same against a real dev server is in intake.test.ts ("identical posts while a call is in
// flight", "a repeat of a recorded occurrence").
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/config/loader.js';
import { createWebhookApp } from '../../src/webhook/app.js';
import { coalesceFires } from '../../src/webhook/coalesce-fires.js';
import type { WebhookMetrics } from '../../src/webhook/metrics.js';
import { type FireOutcome, type FireRequest, type IncidentIntake, IntakeUnavailableError } from '../../src/webhook/temporal-intake.js';
import { alert, notification } from './alerts.js';

interface HeldCall {
  req: FireRequest;
  settle(outcome: FireOutcome): void;
  fail(err: Error): void;
}

/** An intake whose every `fire` stays pending until the test settles it. */
function heldIntake(): IncidentIntake & { calls: HeldCall[] } {
  const calls: HeldCall[] = [];
  return {
    calls,
    fire: (req) =>
      new Promise<FireOutcome>((resolve, reject) => {
        calls.push({ req, settle: resolve, fail: reject });
      }),
    resolve: async () => ({ action: 'signalled' }),
    healthy: async () => true,
  };
}

const ref = (fingerprint = 'f1', severity = 'critical') => ({
  alertname: 'NodeEvicted',
  fingerprint,
  startsAt: '2026-11-30T01:00:00Z',
  status: 'firing' as const,
  labels: { alertname: 'NodeEvicted', severity },
});
const req = (workflowId: string, alertRef = ref()): FireRequest => ({ workflowId, alert: alertRef, input: { target: 'gpu-1' }, summary: 's', node: 'gpu-1' });
const settled = <T>(ps: Array<Promise<T>>) => Promise.allSettled(ps);

describe('coalesceFires', () => {
  it('identical fires while one is in flight make one call: the caller is answered started, the waiters joined', async () => {
    const inner = heldIntake();
    let coalesced = 0;
    const fires = coalesceFires(inner, { onCoalesced: () => coalesced++ });
    const answers = Array.from({ length: 10 }, () => fires.fire(req('incident-a')));
    expect(inner.calls).toHaveLength(1);
    expect(coalesced).toBe(9);
    expect(fires.inFlight()).toBe(1);
    inner.calls[0]!.settle({ action: 'started' });
    expect((await Promise.all(answers)).map((a) => a.action)).toEqual(['started', ...Array(9).fill('joined')]);
    expect([fires.inFlight(), fires.remembered()]).toEqual([0, 1]);
  });

  it('a recorded occurrence answers identical posts for recentMs without a call, then asks Temporal again', async () => {
    const inner = heldIntake();
    const clock = { t: 1_000 };
    let coalesced = 0;
    const fires = coalesceFires(inner, { recentMs: 60_000, now: () => clock.t, onCoalesced: () => coalesced++ });
    const first = fires.fire(req('incident-a'));
    clock.t += 5_000; // a slow call: the window counts from when it was recorded, not sent
    inner.calls[0]!.settle({ action: 'started' });
    expect(await first).toEqual({ action: 'started' });
    clock.t += 59_999;
    expect(await fires.fire(req('incident-a'))).toEqual({ action: 'joined' });
    expect([inner.calls.length, coalesced]).toEqual([1, 1]);
    clock.t += 1;
    const after = fires.fire(req('incident-a'));
    expect(inner.calls).toHaveLength(2);
    inner.calls[1]!.settle({ action: 'joined' });
    expect(await after).toEqual({ action: 'joined' });
  });

  it('an ignored (ended) occurrence is remembered as ignored, with its reason', async () => {
    const inner = heldIntake();
    const fires = coalesceFires(inner, { now: () => 0 });
    const first = fires.fire(req('incident-a'));
    inner.calls[0]!.settle({ action: 'ignored', reason: 'incident already resolved' });
    await first;
    expect(await fires.fire(req('incident-a'))).toEqual({ action: 'ignored', reason: 'incident already resolved' });
    expect(inner.calls).toHaveLength(1);
  });

  it('a resolved notification forgets the occurrence (every signal content of it), so the next post asks Temporal', async () => {
    const inner = heldIntake();
    const fires = coalesceFires(inner, { now: () => 0 });
    const recorded = [fires.fire(req('incident-a')), fires.fire(req('incident-a', ref('f1', 'page'))), fires.fire(req('incident-b'))];
    for (const c of inner.calls) c.settle({ action: 'started' });
    await Promise.all(recorded);
    expect(fires.remembered()).toBe(3);
    expect(await fires.resolve('incident-a', { ...ref(), status: 'resolved' })).toEqual({ action: 'signalled' });
    expect(fires.remembered()).toBe(1);
    void fires.fire(req('incident-a'));
    expect(inner.calls).toHaveLength(4);
    void fires.fire(req('incident-b'));
    expect(inner.calls).toHaveLength(4);
  });

  it('memory is bounded: expired entries are dropped, and at maxEntries the oldest go first', async () => {
    const inner = heldIntake();
    const clock = { t: 0 };
    const fires = coalesceFires(inner, { recentMs: 1_000, maxEntries: 3, now: () => clock.t });
    const fireAndSettle = async (id: string) => {
      const p = fires.fire(req(id));
      inner.calls.at(-1)!.settle({ action: 'started' });
      await p;
    };
    for (const id of ['a', 'b', 'c', 'd']) await fireAndSettle(`incident-${id}`);
    expect(fires.remembered()).toBe(3);
    // `a` was pushed out by the cap: asking again makes a call; `d` is still remembered.
    await fireAndSettle('incident-a');
    expect(inner.calls).toHaveLength(5);
    void fires.fire(req('incident-d'));
    expect(inner.calls).toHaveLength(5);
    clock.t += 1_000;
    await fireAndSettle('incident-e');
    expect(fires.remembered()).toBe(1);
  });

  it('distinct occurrences, and the same workflow ID with other signal content, each get their own call', async () => {
    const inner = heldIntake();
    const fires = coalesceFires(inner);
    const answers = [
      fires.fire(req('incident-a')),
      fires.fire(req('incident-b')),
      fires.fire(req('incident-a', ref('f2'))),
      fires.fire(req('incident-a', ref('f1', 'page'))),
      fires.fire(req('incident-a')),
    ];
    expect(inner.calls.map((c) => [c.req.workflowId, c.req.alert.fingerprint, c.req.alert.labels['severity']])).toEqual([
      ['incident-a', 'f1', 'critical'],
      ['incident-b', 'f1', 'critical'],
      ['incident-a', 'f2', 'critical'],
      ['incident-a', 'f1', 'page'],
    ]);
    for (const c of inner.calls) c.settle({ action: 'joined' });
    expect((await Promise.all(answers)).map((a) => a.action)).toEqual(['joined', 'joined', 'joined', 'joined', 'joined']);
    expect([fires.inFlight(), fires.remembered()]).toEqual([0, 4]);
  });

  it('a failing call fails every waiter with its error; the retry makes a new call', async () => {
    const inner = heldIntake();
    const fires = coalesceFires(inner);
    const answers = settled(Array.from({ length: 5 }, () => fires.fire(req('incident-a'))));
    const err = new IntakeUnavailableError('Temporal could not start or signal the incident: deadline exceeded');
    inner.calls[0]!.fail(err);
    const results = await answers;
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBe(err);
    expect([fires.inFlight(), fires.remembered()]).toEqual([0, 0]);
    const retry = fires.fire(req('incident-a'));
    expect(inner.calls).toHaveLength(2);
    inner.calls[1]!.settle({ action: 'started' });
    expect(await retry).toEqual({ action: 'started' });
  });

  it('an incident that already ended is ignored for the caller and the waiters alike', async () => {
    const inner = heldIntake();
    const fires = coalesceFires(inner);
    const answers = [fires.fire(req('incident-a')), fires.fire(req('incident-a'))];
    inner.calls[0]!.settle({ action: 'ignored', reason: 'incident already resolved' });
    expect(await Promise.all(answers)).toEqual([
      { action: 'ignored', reason: 'incident already resolved' },
      { action: 'ignored', reason: 'incident already resolved' },
    ]);
  });
});

describe('the webhook app coalesces identical posts', () => {
  const TOKEN = 'coalesce-token-5d1e9a7c';
  function appWith(inner: IncidentIntake) {
    const { app, metrics } = createWebhookApp({
      token: TOKEN,
      intake: inner,
      routes: () => defaultPolicy().alerts,
      nodes: () => new Set(['gpu-1']),
      incidentInput: (r) => ({ ...r }),
      workflowUrl: (id) => `http://ui/${id}`,
    });
    const body = JSON.stringify(notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-1' }, startsAt: '2026-11-30T01:00:00Z', fingerprint: 'f1' })]));
    const send = () => app.request('/alerts/alertmanager', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
    return { send, metrics };
  }

  /** Resolves once the fake has seen `n` calls (the posts are parsed asynchronously). */
  async function untilCalls(inner: { calls: unknown[] }, n: number): Promise<void> {
    const end = Date.now() + 10_000;
    while (inner.calls.length < n) {
      if (Date.now() > end) throw new Error(`expected ${n} call(s) to the intake, saw ${inner.calls.length}`);
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Resolves once `n` firing alerts are counted as received: the app counts an alert and hands
   * it to the coalescer in the same tick, so then all `n` posts wait on the call in flight.
   */
  async function untilReceived(metrics: WebhookMetrics, n: number): Promise<void> {
    const end = Date.now() + 10_000;
    while (!new RegExp(`^runbook_webhook_alerts_received_total\\{status="firing"\\} ${n}$`, 'm').test(metrics.text())) {
      if (Date.now() > end) throw new Error(`not all ${n} posts were received:\n${metrics.text()}`);
      await new Promise((r) => setImmediate(r));
    }
  }

  it('20 identical posts, one call: one 202 started, 19 joined, 19 counted as coalesced', async () => {
    const inner = heldIntake();
    const { send, metrics } = appWith(inner);
    const answers = Array.from({ length: 20 }, send);
    let answered = 0;
    for (const a of answers) void Promise.resolve(a).then(() => answered++);
    await untilReceived(metrics, 20);
    expect(inner.calls).toHaveLength(1);
    // §8: never a 2xx for an alert not yet recorded durably. The joined posts wait for the
    // shared call as the first does: give every handler many turns, none may have answered.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(answered, 'posts answered before the shared call recorded the alert').toBe(0);
    inner.calls[0]!.settle({ action: 'started' });
    const res = await Promise.all(answers);
    expect(res.map((r) => r.status)).toEqual(Array(20).fill(202));
    const actions = await Promise.all(res.map(async (r) => ((await r.json()) as { accepted: Array<{ action: string }> }).accepted[0]!.action));
    expect(actions.sort()).toEqual(['started', ...Array(19).fill('joined')].sort());
    expect(metrics.text()).toMatch(/^runbook_webhook_alerts_coalesced_total 19$/m);
  });

  it('their call fails: every post is answered 503, and a retry is 202', async () => {
    const inner = heldIntake();
    const { send, metrics } = appWith(inner);
    const answers = Array.from({ length: 5 }, send);
    await untilReceived(metrics, 5);
    expect(inner.calls).toHaveLength(1);
    inner.calls[0]!.fail(new IntakeUnavailableError('Temporal could not start or signal the incident: unavailable'));
    const res = await Promise.all(answers);
    expect(res.map((r) => r.status)).toEqual(Array(5).fill(503));
    const retry = send();
    await untilCalls(inner, 2);
    inner.calls[1]!.settle({ action: 'started' });
    expect((await retry).status).toBe(202);
  });
});
