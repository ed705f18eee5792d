// Thin wrappers over the activity Context so helpers also run outside an activity (plain calls).
import { Context } from '@temporalio/activity';

function current(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** The activity's cancellation signal; a never-aborting one outside an activity. */
export function cancellationSignal(): AbortSignal {
  return current()?.cancellationSignal ?? new AbortController().signal;
}

export function heartbeat(details: unknown): void {
  current()?.heartbeat(details);
}

/** Heartbeat details recorded by a previous attempt, if any. */
export function heartbeatDetails<T>(): T | undefined {
  return current()?.info.heartbeatDetails as T | undefined;
}

/** Throws the cancellation (a CancelledFailure inside an activity) if the activity was cancelled. */
export function throwIfCancelled(signal: AbortSignal = cancellationSignal()): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('activity cancelled');
}

/** Sleeps, waking early (and throwing) when the activity is cancelled. */
export async function sleep(ms: number): Promise<void> {
  const ctx = current();
  if (ctx) return ctx.sleep(ms);
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * Heartbeats at most every `everyMs` on demand plus on a timer, so a long batch heartbeats even
 * while every probe in flight is waiting on a dead host.
 */
export function periodicHeartbeat(details: () => unknown, everyMs = 1000): { beat(force?: boolean): void; stop(): void } {
  let last = 0;
  const beat = (force = false): void => {
    const now = Date.now();
    if (force || now - last >= everyMs) {
      last = now;
      heartbeat(details());
    }
  };
  const timer = setInterval(() => beat(true), everyMs);
  timer.unref();
  return { beat, stop: () => clearInterval(timer) };
}
