// Coalescing of identical alert posts (DESIGN §8; bench/alerts measures it). In an alert storm most posts
// repeat an occurrence (Alertmanager's repeats and retries, a second replica posting the same
// group), and every signal-with-start for one workflow ID waits on the Temporal server's
// per-workflow lock, so N identical calls answer one after the other. A post whose occurrence has
// the same signal content (workflow ID + `alert` signal JSON) in flight, or recorded within the
// last `recentMs`, is answered by that call instead of making its own:
//
// - In flight: the post waits on the call, which records exactly what this post would have (a
//   start input is only used by the call that starts the run) and succeeds after it arrived, so
//   its 202 follows a Temporal call that covers it.
// - Recorded: the occurrence is already durably in Temporal with this very content, so a second
//   call could only add a `repeats` count (a running incident) or be refused (an ended one: one
//   occurrence, one incident, whatever the answer). Nothing new would run either way. This is the
//   storm's main saving: in `bench/alerts` nine posts in ten repeat an occurrence recorded
//   seconds before.
// - `started` goes to the post that made the call, every other post is `joined` (one post starts
//   an incident); `ignored` (incident already ended) goes to all alike.
// - A failing call fails its waiters with its error (503, Alertmanager retries them all) and is
//   never remembered: the retry makes a call of its own.
// - A `resolved` notification forgets the occurrence's entries, so whatever follows it asks
//   Temporal again.
// - Memory: entries leave `recentMs` after their call settled, and never more than `maxEntries`
//   are kept (the oldest go first).
// - The incident's `repeats` therefore counts `alert` signals, i.e. Temporal calls, not posts.
import type { FireOutcome, FireRequest, IncidentIntake } from './temporal-intake.js';

/** How long a recorded occurrence answers identical posts without a Temporal call. */
export const RECENTLY_RECORDED_MS = 60_000;
const MAX_ENTRIES = 20_000;

export interface CoalescingOptions {
  /** Called once per post answered by another post's call (the webhook's metrics count it). */
  onCoalesced?: () => void;
  recentMs?: number;
  maxEntries?: number;
  /** Monotonic milliseconds; tests pass their own clock. */
  now?: () => number;
}

/** The key of "the same occurrence, the same signal": workflow ID and the signal's content. */
export function coalescingKey(req: FireRequest): string {
  return `${req.workflowId}\n${JSON.stringify(req.alert)}`;
}

interface Entry {
  call: Promise<FireOutcome>;
  /** When the call succeeded; undefined while it is in flight. */
  recordedAt?: number;
}

export interface CoalescedIntake extends IncidentIntake {
  /** Calls in flight. */
  inFlight(): number;
  /** Occurrences answered from a settled call right now. */
  remembered(): number;
}

/** `intake` with its `fire` coalesced per occurrence; `resolve` forgets the occurrence. */
export function coalesceFires(intake: IncidentIntake, o: CoalescingOptions = {}): CoalescedIntake {
  const recentMs = o.recentMs ?? RECENTLY_RECORDED_MS;
  const maxEntries = o.maxEntries ?? MAX_ENTRIES;
  const now = o.now ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  const expired = (e: Entry, t: number) => e.recordedAt !== undefined && t - e.recordedAt >= recentMs;

  /** Drops expired entries from the oldest on (insertion order is close enough to settle order). */
  const sweep = (t: number): void => {
    for (const [key, e] of entries) {
      if (!expired(e, t)) break;
      entries.delete(key);
    }
    for (const key of entries.keys()) {
      if (entries.size < maxEntries) break;
      entries.delete(key);
    }
  };

  const count = (inFlight: boolean) => [...entries.values()].filter((e) => (e.recordedAt === undefined) === inFlight).length;
  return {
    healthy: () => intake.healthy(),
    inFlight: () => count(true),
    remembered: () => count(false),
    resolve(workflowId, alert, clusterIncident) {
      const prefix = `${workflowId}\n`;
      for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key);
      return intake.resolve(workflowId, alert, clusterIncident);
    },
    async fire(req) {
      const key = coalescingKey(req);
      const t = now();
      const known = entries.get(key);
      if (known !== undefined && !expired(known, t)) {
        o.onCoalesced?.();
        const outcome = await known.call;
        // The post that made the call started the incident; this one joined what it recorded.
        return outcome.action === 'started' ? { action: 'joined', ...(outcome.workflowId !== undefined && { workflowId: outcome.workflowId }) } : outcome;
      }
      entries.delete(key);
      sweep(t);
      const entry: Entry = { call: intake.fire(req) };
      entries.set(key, entry);
      entry.call.then(
        () => void (entry.recordedAt = now()),
        () => entries.get(key) === entry && entries.delete(key),
      );
      return entry.call;
    },
  };
}
