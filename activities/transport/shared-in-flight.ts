// One measurement for every caller that asks while it runs. The §6.1 cluster reachability check is
// the same question whichever procedure asks it: when an incident started a hundred `restart-p2p`
// children at once, a hundred full probe sweeps through one worker's probe limiter took minutes,
// failed, and sent 37 children to a human ("reachability unknown"; bench/README.md, recovery).
// A finished measurement is never reused, so a guard never sees a result older than the sweep it
// joined; a failure is shared by the callers that waited on it, and the next caller measures again.
//
// The measurement belongs to no caller: it runs under its own abort signal, which fires only when
// every caller waiting on it has been cancelled. A cancelled caller leaves at once with its own
// cancellation, and the others keep waiting (run under the first caller's cancellation, one
// cancelled procedure failed every procedure that had joined its sweep).

interface Measurement<T> {
  result: Promise<T>;
  abort: AbortController;
  waiting: number;
}

/** Why `signal` was aborted, as an Error (the activity's CancelledFailure inside an activity). */
function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

export function sharedInFlight<T>(measure: (signal: AbortSignal) => Promise<T>): (caller: AbortSignal) => Promise<T> {
  let current: Measurement<T> | undefined;
  const start = (): Measurement<T> => {
    const abort = new AbortController();
    const m: Measurement<T> = {
      abort,
      waiting: 0,
      result: measure(abort.signal).finally(() => {
        if (current === m) current = undefined;
      }),
    };
    // Every caller may have left before it settles: its outcome then goes to no one.
    m.result.catch(() => undefined);
    return m;
  };

  return (caller) => {
    if (caller.aborted) return Promise.reject(reasonOf(caller));
    const m = (current ??= start());
    m.waiting++;
    return new Promise<T>((resolve, reject) => {
      let left = false;
      const leave = (): boolean => {
        if (left) return false;
        left = true;
        m.waiting--;
        caller.removeEventListener('abort', onCancel);
        return true;
      };
      const onCancel = (): void => {
        if (!leave()) return;
        if (m.waiting === 0) {
          // Nobody wants this sweep any more: stop it, and let the next caller start afresh.
          if (current === m) current = undefined;
          m.abort.abort(new Error('every caller of the shared measurement was cancelled'));
        }
        reject(reasonOf(caller));
      };
      caller.addEventListener('abort', onCancel, { once: true });
      m.result.then(
        (value) => leave() && resolve(value),
        (err: unknown) => leave() && reject(err),
      );
    });
  };
}
