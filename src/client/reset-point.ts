// Finds where `runbook retry` resets a failed run: the workflow task that scheduled the last
// activity that failed (the one that failed the run; earlier failures were handled by the
// workflow), so the run re-executes from that step with everything before it kept.
//
// Except under a remediation slot: a run that failed while holding one gave it back on its way
// out (the release comes after the failure, so the reset drops it from the history, but the
// semaphore did release it). Replaying that grant, the reset run would change the node with no
// slot held while another procedure is granted a voter. There the reset goes back to the
// workflow task that asked for the slot: the reset run asks again, and re-runs the checks made
// under the slot (a fresh look, the quorum count) before it changes anything. Its new request
// carries a new secret key (the reset reseeds the workflow's randomness), so the old grant the
// reset re-applies does not count.
import type { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;

export interface ResetPoint {
  /** WorkflowTaskCompleted event id to pass as workflowTaskFinishEventId. */
  eventId: number;
  failedActivity: string;
  /** The failed run had given back the slot it held: the reset run asks for it again. */
  asksForSlotAgain?: boolean;
}

const num = (v: unknown): number => Number(v ?? 0);

/** The request id in the first payload of a slot signal, if it is one. */
function slotRequestId(input: temporal.api.common.v1.IPayloads | null | undefined): string | undefined {
  const data = input?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(data));
    return typeof v === 'object' && v !== null && typeof (v as { requestId?: unknown }).requestId === 'string' ? (v as { requestId: string }).requestId : undefined;
  } catch {
    return undefined;
  }
}

export function resetPointBeforeFailure(events: Event[]): ResetPoint | undefined {
  const point = failedActivityPoint(events);
  if (point === undefined) return undefined;
  // Slot requests the point keeps (asked before it) whose release it drops (sent after it).
  const askedAt = new Map<string, number>();
  let lastCompleted = 0;
  let askAgainAt: number | undefined;
  for (const e of events) {
    const id = num(e.eventId);
    if (e.workflowTaskCompletedEventAttributes) lastCompleted = id;
    const sent = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
    if (!sent) continue;
    const requestId = slotRequestId(sent.input);
    if (requestId === undefined) continue;
    const wft = num(sent.workflowTaskCompletedEventId) || lastCompleted;
    if (sent.signalName === 'acquire-slot' && !askedAt.has(requestId)) askedAt.set(requestId, wft);
    if (sent.signalName === 'release-slot' && wft > point.eventId) {
      const asked = askedAt.get(requestId);
      if (asked !== undefined && asked < point.eventId) askAgainAt = Math.min(askAgainAt ?? asked, asked);
    }
  }
  return askAgainAt === undefined ? point : { ...point, eventId: askAgainAt, asksForSlotAgain: true };
}

function failedActivityPoint(events: Event[]): ResetPoint | undefined {
  const scheduled = new Map<number, { type: string; completedBefore: number }>();
  let lastCompleted = 0;
  let point: ResetPoint | undefined;
  for (const e of events) {
    const id = num(e.eventId);
    if (e.workflowTaskCompletedEventAttributes) lastCompleted = id;
    if (e.activityTaskScheduledEventAttributes) {
      scheduled.set(id, {
        type: e.activityTaskScheduledEventAttributes.activityType?.name ?? 'activity',
        completedBefore: num(e.activityTaskScheduledEventAttributes.workflowTaskCompletedEventId) || lastCompleted,
      });
    }
    const failed = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (failed) {
      const s = scheduled.get(num(failed.scheduledEventId));
      if (s && s.completedBefore > 0) point = { eventId: s.completedBefore, failedActivity: s.type };
    }
  }
  return point;
}
