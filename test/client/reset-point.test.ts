// Where `runbook retry` resets a failed run: right before the activity that failed the run, so
// the steps before it are kept, not re-run. Hand-made histories, one rule per case.
import Long from 'long';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { resetPointBeforeFailure } from '../../src/client/reset-point.js';

type Event = temporal.api.history.v1.IHistoryEvent;
let id = 0;
const ev = (e: Omit<Event, 'eventId'>): Event => ({ eventId: Long.fromNumber(++id), ...e });
const wftCompleted = (): Event => ev({ workflowTaskCompletedEventAttributes: {} });
const scheduled = (type: string, wft: Event): Event =>
  ev({ activityTaskScheduledEventAttributes: { activityType: { name: type }, workflowTaskCompletedEventId: wft.eventId! } });
const completed = (s: Event): Event => ev({ activityTaskCompletedEventAttributes: { scheduledEventId: s.eventId! } });
const failed = (s: Event): Event => ev({ activityTaskFailedEventAttributes: { scheduledEventId: s.eventId! } });
const timedOut = (s: Event): Event => ev({ activityTaskTimedOutEventAttributes: { scheduledEventId: s.eventId! } });

describe('resetPointBeforeFailure', () => {
  it('picks the workflow task that scheduled the failed middle step, keeping the steps before it', () => {
    id = 0;
    const w1 = wftCompleted();
    const a = scheduled('syncStatus', w1);
    const w2 = wftCompleted();
    const b = scheduled('reachability', w2);
    const w3 = wftCompleted();
    const c = scheduled('triggerSync', w3);
    const events = [ev({}), w1, a, completed(a), w2, b, completed(b), w3, c, failed(c)];
    expect(resetPointBeforeFailure(events)).toEqual({ eventId: Number(w3.eventId), failedActivity: 'triggerSync' });
  });

  it('takes the last failure (the one that failed the run), not an earlier handled one; a timeout counts', () => {
    id = 0;
    const w1 = wftCompleted();
    const a = scheduled('p2pStatus', w1);
    const fa = failed(a);
    const w2 = wftCompleted();
    const b = scheduled('sshRun', w2);
    const events = [w1, a, fa, w2, b, timedOut(b)];
    expect(resetPointBeforeFailure(events)).toEqual({ eventId: Number(w2.eventId), failedActivity: 'sshRun' });
  });

  it('has no point when no activity failed', () => {
    id = 0;
    const w1 = wftCompleted();
    const a = scheduled('syncStatus', w1);
    expect(resetPointBeforeFailure([w1, a, completed(a)])).toBeUndefined();
  });
});

describe('resetPointBeforeFailure under a remediation slot', () => {
  const payload = (v: unknown) => ({ payloads: [{ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(v)) }] });
  const sent = (signalName: string, requestId: string, wft: Event): Event =>
    ev({ signalExternalWorkflowExecutionInitiatedEventAttributes: { signalName, input: payload({ requestId, key: 'k' }), workflowTaskCompletedEventId: wft.eventId! } });
  const granted = (requestId: string): Event => ev({ workflowExecutionSignaledEventAttributes: { signalName: 'slot-granted', input: payload({ requestId }) } });

  it('goes back to the task that asked for the slot when the failed run released it after the failure', () => {
    id = 0;
    const w1 = wftCompleted();
    const ask = sent('acquire-slot', 'run:v1#1', w1);
    const grant = granted('run:v1#1');
    const w2 = wftCompleted();
    const stop = scheduled('sshRun', w2);
    const w3 = wftCompleted();
    const wait = scheduled('waitForNode', w3);
    const fw = failed(wait);
    const w4 = wftCompleted();
    const events = [w1, ask, grant, w2, stop, completed(stop), w3, wait, fw, w4, sent('release-slot', 'run:v1#1', w4)];
    expect(resetPointBeforeFailure(events)).toEqual({ eventId: Number(w1.eventId), failedActivity: 'waitForNode', asksForSlotAgain: true });
  });

  it('keeps the point after the slot when the slot was given back before the failure', () => {
    id = 0;
    const w1 = wftCompleted();
    const ask = sent('acquire-slot', 'run:v1#1', w1);
    const grant = granted('run:v1#1');
    const w2 = wftCompleted();
    const release = sent('release-slot', 'run:v1#1', w2);
    const watch = scheduled('watchSync', w2);
    const events = [w1, ask, grant, w2, release, watch, failed(watch)];
    expect(resetPointBeforeFailure(events)).toEqual({ eventId: Number(w2.eventId), failedActivity: 'watchSync' });
  });
});
