// /healthz answers from a cached health state. One Temporal call per request let anyone who can
// reach the port turn a flood of GET /healthz into a flood of GetSystemInfo calls on the
// frontend: now one check runs at a time, and its answer serves every request for `maxAgeMs`.

/** Long enough to absorb any probe rate, short enough for compose's and Kubernetes' probes. */
export const HEALTH_MAX_AGE_MS = 5_000;

export interface HealthCacheOptions {
  maxAgeMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export function cachedHealth(check: () => Promise<boolean>, o: HealthCacheOptions = {}): () => Promise<boolean> {
  const maxAgeMs = o.maxAgeMs ?? HEALTH_MAX_AGE_MS;
  const now = o.now ?? Date.now;
  let last: { ok: boolean; at: number } | undefined;
  let running: Promise<boolean> | undefined;
  return () => {
    if (last !== undefined && now() - last.at < maxAgeMs) return Promise.resolve(last.ok);
    // Requests while a check runs share it.
    running ??= check()
      .catch(() => false)
      .then((ok) => {
        last = { ok, at: now() };
        running = undefined;
        return ok;
      });
    return running;
  };
}
