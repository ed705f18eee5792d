// Per-phase breakdown of one diagnose run, read from its own history (server timestamps) plus
// the client's clock at start and at result: where the time beyond the probe timeout goes.
import proto from '@temporalio/proto';

const { temporal } = proto;

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const T = temporal.api.enums.v1.EventType;

export interface Phase {
  name: string;
  ms: number;
  /** What the span runs from and to, for bench/README.md's explanation. */
  note: string;
}

function ms(e: HistoryEvent | undefined): number {
  const t = e?.eventTime;
  if (!t) return NaN;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

interface ActivitySpan {
  type: string;
  scheduled: number;
  started: number;
  closed: number;
}

/** Each activity's scheduled, started and closed (completed, failed, timed out) times. */
function activitySpans(events: HistoryEvent[]): ActivitySpan[] {
  const byId = new Map<number, ActivitySpan>();
  for (const e of events) {
    const id = Number(e.eventId);
    if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      byId.set(id, { type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', scheduled: ms(e), started: NaN, closed: NaN });
    } else if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const s = byId.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
      if (s) s.started = ms(e);
    } else {
      const sched =
        e.activityTaskCompletedEventAttributes?.scheduledEventId ??
        e.activityTaskFailedEventAttributes?.scheduledEventId ??
        e.activityTaskTimedOutEventAttributes?.scheduledEventId;
      const s = sched !== undefined && sched !== null ? byId.get(Number(sched)) : undefined;
      if (s) s.closed = ms(e);
    }
  }
  return [...byId.values()];
}

const PROBE_SIDE = new Set(['probeNodes', 'tailscaleStatus', 'syncStatus']);

/**
 * Phases, in order; they add up to the client's wall time. `clientStart`/`clientEnd` are
 * Date.now() at `workflow.start` and at the result (same machine as the dev server).
 */
export function phasesOf(events: HistoryEvent[], clientStart: number, clientEnd: number): Phase[] {
  const closed = ms(events.find((e) => e.eventType === T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED));
  const spans = activitySpans(events);
  const info = spans.find((s) => s.type === 'clusterInfo');
  const sweep = spans.filter((s) => PROBE_SIDE.has(s.type));
  const probes = spans.filter((s) => s.type === 'probeNodes');
  const after = spans.filter((s) => s.type === 'nodeHealth' || s.type === 'routingChecks');
  const sweepStart = Math.min(...sweep.map((s) => s.scheduled));
  const sweepEnd = Math.max(...sweep.map((s) => s.closed));
  const afterStart = after.length > 0 ? Math.min(...after.map((s) => s.scheduled)) : closed;
  const afterEnd = after.length > 0 ? Math.max(...after.map((s) => s.closed)) : closed;
  const span = (type: string): number => {
    const s = after.find((x) => x.type === type);
    return s ? s.closed - s.scheduled : 0;
  };
  const drill = span('nodeHealth');
  const routing = span('routingChecks');
  const phases: Phase[] = [
    { name: 'scheduling', ms: sweepStart - clientStart, note: 'client start → first workflow task → clusterInfo → probes scheduled' },
    { name: '  of which clusterInfo', ms: info ? info.closed - info.scheduled : NaN, note: 'the clusterInfo activity, scheduled → completed' },
    { name: 'probe sweep', ms: sweepEnd - sweepStart, note: 'probe batches (and §3.3/§4.4 side checks) scheduled → last completed' },
    {
      name: '  of which queue wait',
      ms: Math.max(...probes.map((s) => s.started - s.scheduled)),
      note: 'longest scheduled → started of a probe batch',
    },
    { name: 'classification', ms: afterStart - sweepEnd, note: 'last probe result → drill-down/routing scheduled (workflow task: decode results, classify)' },
    { name: 'drill-down ∥ routing', ms: afterEnd - afterStart, note: `§3.5 drill-down ${drill.toFixed(0)} ms ∥ §3.4 routing ${routing.toFixed(0)} ms` },
    { name: 'result transfer', ms: clientEnd - afterEnd, note: 'last activity → workflow completed → result at the client' },
    { name: '  of which to completion', ms: closed - afterEnd, note: 'workflow task that builds and records the report' },
  ];
  return phases;
}

/** "scheduling 120 · probe sweep 3,210 (queue 4) · …" on one line. */
export function phaseLine(phases: Phase[]): string {
  return phases
    .filter((p) => !p.name.startsWith(' '))
    .map((p) => `${p.name} ${Number.isNaN(p.ms) ? '?' : p.ms.toFixed(0)}`)
    .join(' · ');
}
