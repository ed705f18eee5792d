// §6.1: procedures asking for the cluster's reachability at the same time share one sweep; a
// finished or failed sweep is never handed to a later caller.
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

describe('sharedInFlight', () => {
  it('runs one measurement for every caller that asks while it runs', async () => {
    const sweeps: Array<ReturnType<typeof deferred<number>>> = [];
    const measure = sharedInFlight(() => {
      sweeps.push(deferred<number>());
      return sweeps.at(-1)!.promise;
    });
    const callers = Array.from({ length: 100 }, () => measure());
    expect(sweeps).toHaveLength(1);
    sweeps[0]!.resolve(7);
    expect(await Promise.all(callers)).toEqual(Array(100).fill(7));
  });

  it('measures again for a caller that comes after the sweep ended', async () => {
    let n = 0;
    const measure = sharedInFlight(async () => ++n);
    expect(await measure()).toBe(1);
    expect(await measure()).toBe(2);
  });

  it('hands a failure only to the callers that waited on it; the next caller measures again', async () => {
    const sweeps: Array<ReturnType<typeof deferred<string>>> = [];
    const measure = sharedInFlight(() => {
      sweeps.push(deferred<string>());
      return sweeps.at(-1)!.promise;
    });
    const a = measure();
    const b = measure();
    sweeps[0]!.reject(new Error('probe agent closed'));
    await expect(a).rejects.toThrow('probe agent closed');
    await expect(b).rejects.toThrow('probe agent closed');
    const c = measure();
    expect(sweeps).toHaveLength(2);
    sweeps[1]!.resolve('ok');
    expect(await c).toBe('ok');
  });
});
