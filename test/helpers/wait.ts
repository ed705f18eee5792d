// Waiting on state, never on time: every wait has a deadline
// that fails with a message naming what never happened and the last thing seen, so a broken
// run fails in seconds with a reason instead of hanging until vitest's 120 s timeout.
import type { Progress } from '../../src/domain/progress.js';
import { progressQuery } from '../../workflows/messages.js';

export interface WaitOptions {
  /** Generous: the deadline only matters when something is broken. */
  timeoutMs?: number;
  intervalMs?: number;
  /** Shown under the failure: e.g. the tail of the output of the process that should have done it. */
  context?: () => string;
}

/** Thrown from a poll function: the awaited state can no longer come, fail now. */
export class StopWaiting extends Error {}

/**
 * Polls `fn` until it returns a truthy value and returns that value; after `timeoutMs` throws
 * "timed out waiting for <what>" with the last value or error seen (and `context`, if given).
 */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, o: WaitOptions = {}): Promise<NonNullable<T>> {
  const end = Date.now() + (o.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      if (e instanceof StopWaiting) throw o.context ? new StopWaiting(`${e.message}\n${o.context()}`) : e;
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}; last seen: ${describe(last)}${o.context ? `\n${o.context()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
  }
}

function describe(v: unknown): string {
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v)?.slice(0, 500) ?? String(v);
  } catch {
    return String(v);
  }
}

const ENDED: ReadonlyArray<Progress['status']> = ['completed', 'escalated', 'failed'];

/**
 * Polls a procedure's `progress` query until `ok` holds. A run that ends before that fails at
 * once with its last progress (e.g. it escalated where the test expected it to wait).
 */
export async function waitForProgress(
  h: { query: (q: typeof progressQuery) => Promise<Progress> },
  what: string,
  ok: (p: Progress) => boolean,
  o: WaitOptions = {},
): Promise<Progress> {
  return waitFor(
    what,
    async () => {
      const p = await h.query(progressQuery);
      if (ok(p)) return p;
      if (ENDED.includes(p.status)) {
        const steps = p.steps.map((s) => `${s.name}=${s.state}${s.detail ? ` (${s.detail})` : ''}`).join('; ');
        throw new StopWaiting(`run ended ${p.status} before ${what}: ${steps}`);
      }
      return undefined;
    },
    o,
  );
}

/** The run is waiting at an approval gate (optionally a given one). */
export function waitForApproval(
  h: { query: (q: typeof progressQuery) => Promise<Progress> },
  step?: string,
  o: WaitOptions = {},
): Promise<Progress> {
  return waitForProgress(
    h,
    step ? `approval of "${step}" to be asked` : 'an approval to be asked',
    (p) => p.status === 'awaiting-approval' && (step === undefined || p.pendingApproval?.step === step),
    o,
  );
}
