// How fast the alerting stack reacts: scrape and evaluation intervals, each rule's `for:`, the
// sync-stall window and Alertmanager's grouping. Production values by default (§5.1 scrapes every
// 30 s); tests and `runbook dev --alerting` scale them down with one factor.

/** The five alerts of the runbook: its own (header) and the related ones of §7. */
export const ALERT_NAMES = [
  'ClusterConnectivityDegraded',
  'NodeEvicted',
  'SyncHostCritical',
  'LeaderElectionStalled',
  'ClusterHealthCritical',
] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

export interface AlertingTiming {
  scrapeIntervalMs: number;
  /** Never above the scrape interval (Prometheus refuses that). */
  scrapeTimeoutMs: number;
  evaluationIntervalMs: number;
  /** How long each rule's condition must hold before the alert fires (`for:`). */
  forMs: Record<AlertName, number>;
  /** SyncHostCritical: a sync whose progress did not move during this window is stalled. */
  syncStallWindowMs: number;
  /** Alertmanager: first notification of a group, updates of a group, repeats of a firing one. */
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

const S = 1000;
const M = 60 * S;

export const PRODUCTION_TIMING: AlertingTiming = {
  scrapeIntervalMs: 30 * S, // §5.1
  scrapeTimeoutMs: 10 * S,
  evaluationIntervalMs: 30 * S,
  forMs: {
    // Two missed scrapes: a restart of the daemon alone does not page.
    ClusterConnectivityDegraded: 1 * M,
    NodeEvicted: 2 * M,
    // Well before §6.1's "no leader for >5 minutes" escalation, so force-election can act first.
    LeaderElectionStalled: 2 * M,
    SyncHostCritical: 5 * M,
    ClusterHealthCritical: 1 * M,
  },
  syncStallWindowMs: 5 * M,
  groupWaitMs: 30 * S,
  groupIntervalMs: 5 * M,
  repeatIntervalMs: 4 * 60 * M,
};

/** Thrown for a time-scale factor that is not a positive finite number. */
export class TimeScaleError extends Error {
  override readonly name = 'TimeScaleError';
}

/** Every duration multiplied by `factor` (rounded to whole milliseconds, at least 1 ms). */
export function scaleTiming(t: AlertingTiming, factor: number): AlertingTiming {
  if (!Number.isFinite(factor) || factor <= 0) throw new TimeScaleError(`time scale must be a positive number, got ${factor}`);
  const k = (ms: number): number => Math.max(1, Math.round(ms * factor));
  const forMs = Object.fromEntries(ALERT_NAMES.map((a) => [a, k(t.forMs[a])])) as Record<AlertName, number>;
  return {
    scrapeIntervalMs: k(t.scrapeIntervalMs),
    scrapeTimeoutMs: Math.min(k(t.scrapeTimeoutMs), k(t.scrapeIntervalMs)),
    evaluationIntervalMs: k(t.evaluationIntervalMs),
    forMs,
    syncStallWindowMs: k(t.syncStallWindowMs),
    groupWaitMs: k(t.groupWaitMs),
    groupIntervalMs: k(t.groupIntervalMs),
    repeatIntervalMs: k(t.repeatIntervalMs),
  };
}

/** A duration in the format Prometheus and Alertmanager both read: "4h", "1m30s", "250ms". */
export function promDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`duration must be a positive whole number of milliseconds, got ${ms}`);
  const units: Array<[string, number]> = [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let rest = ms;
  let out = '';
  for (const [u, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${u}`;
    rest -= n * size;
  }
  return out;
}
