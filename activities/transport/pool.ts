// Bounded-concurrency map: thousands of nodes, at most `limit` in flight, results in input order.

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      if (signal?.aborted) return;
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
  await Promise.all(workers);
  return results;
}

/**
 * Runs `fn` under the limit. `fn` may call `release` to give its slot back before it ends
 * (idempotent; the slot is released at the end otherwise). `first` queues it ahead of every
 * call waiting without it (FIFO within each lane).
 */
export interface Limiter {
  <R>(fn: (release: () => void) => Promise<R>, o?: { first?: boolean }): Promise<R>;
  /** Slots free right now: that many calls made now start at once. */
  free(): number;
}

/**
 * A concurrency limit shared by every call that uses it: the diagnose workflow runs several
 * probe batches at once, and the machine's limit is per worker, not per batch.
 */
export function createLimiter(limit: number): Limiter {
  let active = 0;
  const firstLane: Array<() => void> = [];
  const lane: Array<() => void> = [];
  const run = async <R>(fn: (release: () => void) => Promise<R>, o: { first?: boolean } = {}): Promise<R> => {
    if (active >= limit) await new Promise<void>((resolve) => (o.first ? firstLane : lane).push(resolve));
    active++;
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      active--;
      (firstLane.shift() ?? lane.shift())?.();
    };
    try {
      return await fn(release);
    } finally {
      release();
    }
  };
  return Object.assign(run, { free: () => Math.max(0, limit - active - firstLane.length - lane.length) });
}
