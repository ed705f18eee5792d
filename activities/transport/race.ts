// "Happy eyeballs" over a node's primary and fallback addresses: the primary starts at once, the
// fallback when the primary fails or has not answered within `staggerMs`, whichever is first.
// Both share the caller's deadline, so a dead host costs one timeout, not two. A fallback that
// answers first does not win while the primary may still answer: a slow primary under load is
// not a dead one (that would read as tailscale-down), so earlier candidates are preferred.
import { type Deadline, deadline } from './abort.js';
import type { AddressSide } from '../../src/domain/probes.js';
import type { Candidate } from './node-lookup.js';
import { failureReason } from './http.js';

export const FALLBACK_STAGGER_MS = 250;

/** Why a losing attempt is stopped: made once, so a finished race allocates no error. */
const RACE_OVER = Object.assign(new Error('race already decided'), { name: 'AbortError', code: 'ABORT_ERR' });

export type RaceOutcome<T> =
  | { ok: true; via: AddressSide; address: string; value: T; ms: number }
  | { ok: false; error: string; ms: number };

type Slot<T> = { state: 'idle' | 'pending' } | { state: 'failed'; error: string } | { state: 'ok'; value: T; ms: number };

export async function raceCandidates<T>(
  cands: readonly Candidate[],
  attempt: (c: Candidate, signal: AbortSignal) => Promise<T>,
  opts: { signal: AbortSignal; staggerMs?: number },
): Promise<RaceOutcome<T>> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const stagger = opts.staggerMs ?? FALLBACK_STAGGER_MS;
  // One controller per attempt actually launched (its deadline, which also follows the caller's
  // signal): a live node's fallback is never launched, and at 1,000 nodes × 3 checks the
  // controllers made up front for it, plus a second one per attempt, were ~6,000 AbortSignals
  // (each an EventTarget with listeners) per sweep for nothing.
  const attempts: Array<Deadline | undefined> = cands.map(() => undefined);
  const slots: Array<Slot<T>> = cands.map(() => ({ state: 'idle' }));

  return new Promise<RaceOutcome<T>>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const releases: Array<() => void> = [];

    const finish = (outcome: RaceOutcome<T>): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      // Stop only the attempts still in flight, with one shared reason, then detach: at 1,000
      // nodes an abort per finished attempt built thousands of DOMExceptions (stack and all)
      // and woke undici's abort handlers for requests that were already over.
      slots.forEach((s, i) => {
        if (s.state === 'pending') attempts[i]!.abort(RACE_OVER);
      });
      releases.forEach((r) => r());
      resolve(outcome);
    };
    const firstError = (): string => {
      const f = slots.find((s): s is { state: 'failed'; error: string } => s.state === 'failed');
      return f?.error ?? 'timeout';
    };
    const success = (i: number): RaceOutcome<T> => {
      const s = slots[i] as { state: 'ok'; value: T; ms: number };
      return { ok: true, via: cands[i]!.via, address: cands[i]!.address, value: s.value, ms: s.ms };
    };
    /** The first candidate that answered with every earlier one failed (or, at the end, any). */
    const decide = (final: boolean): void => {
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i]!;
        if (s.state === 'ok') return finish(success(i));
        if (s.state !== 'failed' && !final) {
          // Still pending (or not launched yet while an answer waits): keep waiting for it.
          if (slots.slice(i + 1).some((x) => x.state === 'ok') && s.state === 'idle') launch(i);
          return;
        }
      }
      if (final || slots.every((s) => s.state === 'failed')) finish({ ok: false, error: firstError(), ms: elapsed() });
    };
    const onAbort = (): void => {
      for (const [i, s] of slots.entries()) {
        if (s.state === 'pending' || s.state === 'idle') slots[i] = { state: 'failed', error: failureReason(opts.signal.reason) };
      }
      decide(true);
    };

    const launch = (i: number): void => {
      if (settled || i >= cands.length || slots[i]!.state !== 'idle') return;
      slots[i] = { state: 'pending' };
      const d = deadline([opts.signal]);
      attempts[i] = d;
      releases.push(d.done);
      attempt(cands[i]!, d.signal).then(
        (value) => {
          if (settled) return;
          slots[i] = { state: 'ok', value, ms: elapsed() };
          decide(false);
        },
        (err: unknown) => {
          if (settled) return;
          slots[i] = { state: 'failed', error: opts.signal.aborted ? failureReason(opts.signal.reason) : failureReason(err) };
          launch(i + 1);
          decide(false);
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
