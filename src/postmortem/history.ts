// Decodes one workflow's Temporal history into the plain facts a postmortem reads: when it ran,
// its input and result, its activities with their outcomes, the signals and updates it got, its
// timers and its children. Pure (no client, no clock): the CLI fetches the histories, tests load
// recorded ones. Tolerant by design: an event type or a field this code does not know is
// skipped, so histories of newer workflow code still decode.
import { defaultPayloadConverter } from '@temporalio/common';
import type proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;
type Payload = proto.temporal.api.common.v1.IPayload;
type Timestamp = { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined;

export type RunStatus = 'running' | 'completed' | 'failed' | 'timed-out' | 'canceled' | 'terminated' | 'continued-as-new';

export interface ActivityRecord {
  type: string;
  input: unknown;
  /** The activity's summary (user metadata), e.g. "§4.1 restart p2p on node-3", when recorded. */
  summary?: string;
  scheduledAt: string;
  endedAt?: string;
  outcome: 'completed' | 'failed' | 'timed-out' | 'canceled' | 'open';
  result?: unknown;
  failure?: string;
}

export interface ChildRecord {
  workflowId: string;
  type: string;
  initiatedAt: string;
  startedAt?: string;
  endedAt?: string;
  outcome: 'started' | 'completed' | 'failed' | 'timed-out' | 'canceled' | 'terminated' | 'not-started' | 'initiated';
  result?: unknown;
  failure?: string;
}

export interface MessageRecord {
  at: string;
  name: string;
  input: unknown;
}

export interface TimerRecord {
  summary?: string;
  startedAt: string;
  endedAt?: string;
  outcome: 'fired' | 'canceled' | 'open';
}

export interface RunRecord {
  workflowId: string;
  type: string;
  startedAt: string;
  closedAt?: string;
  status: RunStatus;
  input: unknown;
  result?: unknown;
  failure?: string;
  activities: ActivityRecord[];
  signals: MessageRecord[];
  /** Accepted updates (a rejected update never reaches history). */
  updates: MessageRecord[];
  timers: TimerRecord[];
  children: ChildRecord[];
}

/** ISO time of a protobuf timestamp (millisecond precision, as Temporal shows it). */
export function isoTime(t: Timestamp): string {
  const seconds = Number(t?.seconds?.toString() ?? 0);
  const ms = seconds * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

function decode(p: Payload | null | undefined): unknown {
  if (!p) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(p);
  } catch {
    // An encoding we cannot read (a codec, binary): the draft says so rather than failing.
    return '[undecodable payload]';
  }
}

const first = (ps: { payloads?: Payload[] | null } | null | undefined): unknown => decode(ps?.payloads?.[0]);
const id = (n: unknown): string => String(n ?? '');

/**
 * Children that are machinery, not part of what happened: the remediation-slot semaphore is
 * started by whichever procedure needs it first and lives on, shared by every later run.
 */
const MACHINERY = new Set(['remediationSlots']);

/** The IDs of the child workflows a history started (successfully), in the order it started them. */
export function childWorkflowIds(history: History): string[] {
  const ids: string[] = [];
  for (const e of history.events ?? []) {
    const started = e.childWorkflowExecutionStartedEventAttributes;
    const wid = started?.workflowExecution?.workflowId;
    if (wid && !MACHINERY.has(started.workflowType?.name ?? '') && !ids.includes(wid)) ids.push(wid);
  }
  return ids;
}

export function decodeHistory(workflowId: string, history: History): RunRecord {
  const run: RunRecord = {
    workflowId,
    type: '',
    startedAt: '',
    status: 'running',
    input: undefined,
    activities: [],
    signals: [],
    updates: [],
    timers: [],
    children: [],
  };
  const activities = new Map<string, ActivityRecord>();
  const children = new Map<string, ChildRecord>();
  const timers = new Map<string, TimerRecord>();
  const endActivity = (scheduledId: unknown, at: string, outcome: ActivityRecord['outcome'], extra: Partial<ActivityRecord>): void => {
    const a = activities.get(id(scheduledId));
    if (a) Object.assign(a, { endedAt: at, outcome, ...extra });
  };
  const endChild = (initiatedId: unknown, at: string, outcome: ChildRecord['outcome'], extra: Partial<ChildRecord>): void => {
    const c = children.get(id(initiatedId));
    if (c) Object.assign(c, { endedAt: at, outcome, ...extra });
  };
  const endTimer = (timerId: string | null | undefined, at: string, outcome: TimerRecord['outcome']): void => {
    const t = timers.get(timerId ?? '');
    if (t && t.outcome === 'open') Object.assign(t, { endedAt: at, outcome });
  };

  for (const e of history.events ?? []) {
    const at = isoTime(e.eventTime);
    const eventId = id(e.eventId);
    const summary = e.userMetadata?.summary ? decode(e.userMetadata.summary) : undefined;
    if (e.workflowExecutionStartedEventAttributes) {
      const a = e.workflowExecutionStartedEventAttributes;
      run.type = a.workflowType?.name ?? '';
      run.startedAt = at;
      run.input = first(a.input);
    } else if (e.workflowExecutionCompletedEventAttributes) {
      Object.assign(run, { status: 'completed', closedAt: at, result: first(e.workflowExecutionCompletedEventAttributes.result) });
    } else if (e.workflowExecutionFailedEventAttributes) {
      Object.assign(run, { status: 'failed', closedAt: at, failure: e.workflowExecutionFailedEventAttributes.failure?.message ?? 'failed' });
    } else if (e.workflowExecutionTimedOutEventAttributes) {
      Object.assign(run, { status: 'timed-out', closedAt: at });
    } else if (e.workflowExecutionCanceledEventAttributes) {
      Object.assign(run, { status: 'canceled', closedAt: at });
    } else if (e.workflowExecutionTerminatedEventAttributes) {
      Object.assign(run, { status: 'terminated', closedAt: at, failure: `terminated: ${e.workflowExecutionTerminatedEventAttributes.reason ?? ''}`.trim() });
    } else if (e.workflowExecutionContinuedAsNewEventAttributes) {
      Object.assign(run, { status: 'continued-as-new', closedAt: at });
    } else if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      const rec: ActivityRecord = {
        type: a.activityType?.name ?? '',
        input: first(a.input),
        ...(typeof summary === 'string' && { summary }),
        scheduledAt: at,
        outcome: 'open',
      };
      activities.set(eventId, rec);
      run.activities.push(rec);
    } else if (e.activityTaskCompletedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes;
      endActivity(a.scheduledEventId, at, 'completed', { result: first(a.result) });
    } else if (e.activityTaskFailedEventAttributes) {
      const a = e.activityTaskFailedEventAttributes;
      endActivity(a.scheduledEventId, at, 'failed', { failure: a.failure?.message ?? 'failed' });
    } else if (e.activityTaskTimedOutEventAttributes) {
      endActivity(e.activityTaskTimedOutEventAttributes.scheduledEventId, at, 'timed-out', { failure: 'timed out' });
    } else if (e.activityTaskCanceledEventAttributes) {
      endActivity(e.activityTaskCanceledEventAttributes.scheduledEventId, at, 'canceled', {});
    } else if (e.startChildWorkflowExecutionInitiatedEventAttributes) {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      if (MACHINERY.has(a.workflowType?.name ?? '')) continue;
      const rec: ChildRecord = { workflowId: a.workflowId ?? '', type: a.workflowType?.name ?? '', initiatedAt: at, outcome: 'initiated' };
      children.set(eventId, rec);
      run.children.push(rec);
    } else if (e.startChildWorkflowExecutionFailedEventAttributes) {
      endChild(e.startChildWorkflowExecutionFailedEventAttributes.initiatedEventId, at, 'not-started', {});
    } else if (e.childWorkflowExecutionStartedEventAttributes) {
      const c = children.get(id(e.childWorkflowExecutionStartedEventAttributes.initiatedEventId));
      if (c) Object.assign(c, { startedAt: at, outcome: 'started' });
    } else if (e.childWorkflowExecutionCompletedEventAttributes) {
      const a = e.childWorkflowExecutionCompletedEventAttributes;
      endChild(a.initiatedEventId, at, 'completed', { result: first(a.result) });
    } else if (e.childWorkflowExecutionFailedEventAttributes) {
      const a = e.childWorkflowExecutionFailedEventAttributes;
      endChild(a.initiatedEventId, at, 'failed', { failure: a.failure?.cause?.message ?? a.failure?.message ?? 'failed' });
    } else if (e.childWorkflowExecutionTimedOutEventAttributes) {
      endChild(e.childWorkflowExecutionTimedOutEventAttributes.initiatedEventId, at, 'timed-out', {});
    } else if (e.childWorkflowExecutionCanceledEventAttributes) {
      endChild(e.childWorkflowExecutionCanceledEventAttributes.initiatedEventId, at, 'canceled', {});
    } else if (e.childWorkflowExecutionTerminatedEventAttributes) {
      endChild(e.childWorkflowExecutionTerminatedEventAttributes.initiatedEventId, at, 'terminated', {});
    } else if (e.workflowExecutionSignaledEventAttributes) {
      const a = e.workflowExecutionSignaledEventAttributes;
      run.signals.push({ at, name: a.signalName ?? '', input: first(a.input) });
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const req = e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input;
      run.updates.push({ at, name: req?.name ?? '', input: first(req?.args) });
    } else if (e.timerStartedEventAttributes) {
      const rec: TimerRecord = { ...(typeof summary === 'string' && { summary }), startedAt: at, outcome: 'open' };
      timers.set(e.timerStartedEventAttributes.timerId ?? '', rec);
      run.timers.push(rec);
    } else if (e.timerFiredEventAttributes) {
      endTimer(e.timerFiredEventAttributes.timerId, at, 'fired');
    } else if (e.timerCanceledEventAttributes) {
      endTimer(e.timerCanceledEventAttributes.timerId, at, 'canceled');
    }
  }
  return run;
}
