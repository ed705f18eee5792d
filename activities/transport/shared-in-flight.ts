// One measurement for every caller that asks while it runs. The §6.1 cluster reachability check is
// the same question whichever procedure asks it: when an incident started a hundred `restart-p2p`
// children at once, a hundred full probe sweeps through one worker's probe limiter took minutes,
// failed, and sent 37 children to a human ("reachability unknown"; bench/README.md, recovery).
// A finished measurement is never reused, so a guard never sees a result older than the sweep it
// joined; a failure is shared by the callers that waited on it, and the next caller measures again.

export function sharedInFlight<T>(measure: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= measure().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
