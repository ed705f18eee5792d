// Finds where `runbook retry` resets a failed run: the workflow task that scheduled the last
// activity that failed (the one that failed the run; earlier failures were handled by the
// workflow), so the run re-executes from that step with everything before it kept.
import type { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;

export interface ResetPoint {
  /** WorkflowTaskCompleted event id to pass as workflowTaskFinishEventId. */
  eventId: number;
  failedActivity: string;
}

const num = (v: unknown): number => Number(v ?? 0);

export function resetPointBeforeFailure(events: Event[]): ResetPoint | undefined {
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
