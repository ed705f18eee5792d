// §6.1: procedures asking for the cluster's reachability at the same time share one sweep; a
// finished or failed sweep is never handed to a later caller; a cancelled caller leaves alone,
// and the sweep stops only when every caller has left.
import { describe, expect, it } from 'vitest';
import { sharedInFlight } from '../../activities/transport/shared-in-flight.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A caller's cancellation signal that is never aborted. */
const live = () => new AbortController().signal;

describe('sharedInFlight', () => {
  it('runs one measurement for every caller that asks while it runs', async () => {
    const sweeps: Array<ReturnType<typeof deferred<number>>> = [];
    const measure = sharedInFlight(() => {
      sweeps.push(deferred<number>());
      return sweeps.at(-1)!.promise;
    });
    const callers = Array.from({ length: 100 }, () => measure(live()));
    expect(sweeps).toHaveLength(1);
    sweeps[0]!.resolve(7);
    expect(await Promise.all(callers)).toEqual(Array(100).fill(7));
  });

  it('measures again for a caller that comes after the sweep ended', async () => {
    let n = 0;
    const measure = sharedInFlight(async () => ++n);
    expect(await measure(live())).toBe(1);
    expect(await measure(live())).toBe(2);
  });

  it('hands a failure only to the callers that waited on it; the next caller measures again', async () => {
    const sweeps: Array<ReturnType<typeof deferred<string>>> = [];
    const measure = sharedInFlight(() => {
      sweeps.push(deferred<string>());
      return sweeps.at(-1)!.promise;
    });
    const a = measure(live());
    const b = measure(live());
    sweeps[0]!.reject(new Error('probe agent closed'));
    await expect(a).rejects.toThrow('probe agent closed');
    await expect(b).rejects.toThrow('probe agent closed');
    const c = measure(live());
    expect(sweeps).toHaveLength(2);
    sweeps[1]!.resolve('ok');
    expect(await c).toBe('ok');
  });

  it('a cancelled caller leaves with its own cancellation; the sweep goes on for the others', async () => {
    const sweeps: Array<{ signal: AbortSignal } & ReturnType<typeof deferred<number>>> = [];
    const measure = sharedInFlight((signal) => {
      sweeps.push({ signal, ...deferred<number>() });
      return sweeps.at(-1)!.promise;
    });
    const first = new AbortController();
    const a = measure(first.signal);
    const b = measure(live());
    const cancelled = new Error('activity cancelled: its workflow was cancelled');
    first.abort(cancelled);
    await expect(a).rejects.toBe(cancelled);
    expect(sweeps[0]!.signal.aborted).toBe(false);
    // A caller arriving now still joins the sweep in flight.
    const c = measure(live());
    expect(sweeps).toHaveLength(1);
    sweeps[0]!.resolve(3);
    expect(await Promise.all([b, c])).toEqual([3, 3]);
  });

  it('the sweep is aborted once every caller was cancelled, and the next caller starts a new one', async () => {
    const sweeps: Array<{ signal: AbortSignal } & ReturnType<typeof deferred<number>>> = [];
    const measure = sharedInFlight((signal) => {
      sweeps.push({ signal, ...deferred<number>() });
      return sweeps.at(-1)!.promise;
    });
    const callers = [new AbortController(), new AbortController()];
    const answers = callers.map((c) => measure(c.signal));
    callers[0]!.abort(new Error('gone 1'));
    expect(sweeps[0]!.signal.aborted).toBe(false);
    callers[1]!.abort(new Error('gone 2'));
    expect(sweeps[0]!.signal.aborted).toBe(true);
    await expect(answers[0]).rejects.toThrow('gone 1');
    await expect(answers[1]).rejects.toThrow('gone 2');
    const next = measure(live());
    expect(sweeps).toHaveLength(2);
    // The aborted sweep's late outcome reaches no one (and is no unhandled rejection).
    sweeps[0]!.reject(new Error('aborted'));
    sweeps[1]!.resolve(9);
    expect(await next).toBe(9);
  });

  it('a caller already cancelled is refused at once and starts nothing', async () => {
    let sweeps = 0;
    const measure = sharedInFlight(async () => ++sweeps);
    const gone = new AbortController();
    gone.abort(new Error('already cancelled'));
    await expect(measure(gone.signal)).rejects.toThrow('already cancelled');
    expect(sweeps).toBe(0);
  });
});
