// Abort signals built by hand. On Node 20, a signal from AbortSignal.any() combined with
// AbortSignal.timeout() can stop firing after a garbage collection (nodejs/node#57736): a dead
// host would then be waited on forever. A controller, a listener and a cleared timer do not.

export interface Deadline {
  signal: AbortSignal;
  /** Detaches from the parent and clears the timer; call when the guarded work is over. */
  done(): void;
  /** Aborts the signal now with `reason`, as a parent's abort would. */
  abort(reason: unknown): void;
}

/** Aborts when any parent aborts, or after `ms` (with a TimeoutError reason) when given. */
export function deadline(parents: readonly AbortSignal[], ms?: number): Deadline {
  const controller = new AbortController();
  const onAbort = (e: Event): void => controller.abort((e.target as AbortSignal).reason);
  for (const p of parents) {
    if (p.aborted) {
      controller.abort(p.reason);
      break;
    }
    p.addEventListener('abort', onAbort, { once: true });
  }
  const timer =
    ms === undefined
      ? undefined
      : setTimeout(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
  return {
    signal: controller.signal,
    done() {
      if (timer) clearTimeout(timer);
      for (const p of parents) p.removeEventListener('abort', onAbort);
    },
    abort(reason: unknown) {
      controller.abort(reason);
    },
  };
}

/** Runs `fn` under a deadline and always releases it. */
export async function withDeadline<T>(parents: readonly AbortSignal[], ms: number | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(parents, ms);
  try {
    return await fn(d.signal);
  } finally {
    d.done();
  }
}
