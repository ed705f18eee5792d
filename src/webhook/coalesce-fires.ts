// Coalescing of identical alert posts (issue 13 item 5; DESIGN §8). In an alert storm most posts
// repeat an occurrence (Alertmanager's repeats, a second replica posting the same group), and
// every signal-with-start for one workflow ID waits on the Temporal server's per-workflow lock,
// so N identical calls in flight answer one after the other. A post whose occurrence already has
// a call in flight with the same signal content waits on that call instead of making its own:
// the call records exactly what this post would have recorded (same workflow ID, same `alert`
// signal; a start input is only used by the call that starts the run), and it succeeds only
// after the post arrived, so a 202 still follows a Temporal call that covers the post.
//
// - `started` goes to the post that made the call; its waiters are `joined` (one post starts an
//   incident). `ignored` (incident already ended) goes to all of them alike.
// - A failing call fails every waiter with the same error (503, Alertmanager retries them all).
// - Entries leave the map when the call settles: memory is bounded by the calls in flight, and a
//   post arriving after that makes a call of its own (nothing is cached).
// - The incident's `repeats` therefore counts `alert` signals, i.e. Temporal calls, not posts.
import type { FireOutcome, FireRequest, IncidentIntake } from './temporal-intake.js';

export interface CoalescingOptions {
  /** Called once per post answered by another post's call (the webhook's metrics count it). */
  onCoalesced?: () => void;
}

/** The key of "the same occurrence, the same signal": workflow ID and the signal's content. */
export function coalescingKey(req: FireRequest): string {
  return `${req.workflowId}\n${JSON.stringify(req.alert)}`;
}

/** `intake` with its `fire` coalesced per occurrence; `resolve` and `healthy` pass through. */
export function coalesceFires(intake: IncidentIntake, o: CoalescingOptions = {}): IncidentIntake & { inFlight(): number } {
  const inFlight = new Map<string, Promise<FireOutcome>>();
  return {
    resolve: (workflowId, alert) => intake.resolve(workflowId, alert),
    healthy: () => intake.healthy(),
    inFlight: () => inFlight.size,
    async fire(req) {
      const key = coalescingKey(req);
      const pending = inFlight.get(key);
      if (pending !== undefined) {
        o.onCoalesced?.();
        const outcome = await pending;
        return outcome.action === 'started' ? { action: 'joined' } : outcome;
      }
      const call = intake.fire(req).finally(() => inFlight.delete(key));
      inFlight.set(key, call);
      return call;
    },
  };
}
