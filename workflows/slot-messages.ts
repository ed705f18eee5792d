// Checks of the blast-radius semaphore's incoming messages. A signal cannot be refused to its
// sender, so a bad one is logged and dropped; these say what is wrong with it, or undefined.
// Pure functions: the semaphore (workflow code) and its tests use them.
import type { SlotRequest } from './slots.js';

/** Shortest secret key accepted: a requester's is a UUID (36 characters). */
export const MIN_KEY_LENGTH = 16;

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 512;

/** What is wrong with an `acquire-slot` payload: ids, a secret key, a limit in 1..maxLimit. */
export function requestProblem(r: unknown, maxLimit: number | undefined): string | undefined {
  if (typeof r !== 'object' || r === null) return 'not an object';
  const x = r as Partial<Record<keyof SlotRequest, unknown>>;
  for (const f of ['requestId', 'holder', 'node'] as const) if (!isText(x[f])) return `${f} is not a non-empty string`;
  if (typeof x.key !== 'string' || x.key.length < MIN_KEY_LENGTH) return 'no secret key';
  if (typeof x.limit !== 'number' || !Number.isInteger(x.limit) || x.limit < 1) return `limit ${String(x.limit)} is not a whole number of at least 1`;
  if (maxLimit !== undefined && x.limit > maxLimit) return `limit ${x.limit} is above the configured maximum ${maxLimit}`;
  if (x.voter !== undefined && typeof x.voter !== 'boolean') return 'voter is not a boolean';
  return undefined;
}

/** What is wrong with a `release-slot` or `renew-slot` payload. */
export function releaseProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return 'not an object';
  const x = r as { requestId?: unknown; key?: unknown };
  if (!isText(x.requestId)) return 'requestId is not a non-empty string';
  if (x.key !== undefined && typeof x.key !== 'string') return 'key is not a string';
  return undefined;
}
