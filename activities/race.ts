// "Happy eyeballs" over a node's primary and fallback addresses: the primary starts at once, the
// fallback when the primary fails or has not answered within `staggerMs`, whichever is first.
// Both share the caller's deadline, so a dead host costs one timeout, not two.
import type { Candidate, Side } from './cluster.js';
import { failureReason } from './http.js';

export const FALLBACK_STAGGER_MS = 250;

export type RaceOutcome<T> =
  | { ok: true; via: Side; address: string; value: T; ms: number }
  | { ok: false; error: string; ms: number };

export async function raceCandidates<T>(
  cands: readonly Candidate[],
  attempt: (c: Candidate, signal: AbortSignal) => Promise<T>,
  opts: { signal: AbortSignal; staggerMs?: number },
): Promise<RaceOutcome<T>> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const stagger = opts.staggerMs ?? FALLBACK_STAGGER_MS;
  const controllers = cands.map(() => new AbortController());
  const errors: Array<string | undefined> = cands.map(() => undefined);

  return new Promise<RaceOutcome<T>>((resolve) => {
    let settled = false;
    let launched = 0;
    let failed = 0;
    let timer: NodeJS.Timeout | undefined;

    const finish = (outcome: RaceOutcome<T>): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      controllers.forEach((c) => c.abort());
      resolve(outcome);
    };
    const firstError = (): string => errors.find((e) => e !== undefined) ?? 'timeout';
    const onAbort = (): void => {
      errors.forEach((e, i) => (errors[i] = e ?? failureReason(opts.signal.reason)));
      finish({ ok: false, error: firstError(), ms: elapsed() });
    };

    const launch = (i: number): void => {
      if (settled || i >= cands.length || i < launched) return;
      launched = i + 1;
      const cand = cands[i]!;
      const signal = AbortSignal.any([opts.signal, controllers[i]!.signal]);
      attempt(cand, signal).then(
        (value) => finish({ ok: true, via: cand.via, address: cand.address, value, ms: elapsed() }),
        (err: unknown) => {
          errors[i] = opts.signal.aborted ? failureReason(opts.signal.reason) : failureReason(err);
          failed++;
          if (failed === cands.length) finish({ ok: false, error: firstError(), ms: elapsed() });
          else launch(i + 1);
        },
      );
      if (i + 1 < cands.length) {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => launch(i + 1), stagger);
      }
    };

    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    if (cands.length === 0) return finish({ ok: false, error: 'no address', ms: 0 });
    launch(0);
  });
}
