// Alertmanager's `startsAt`/`endsAt`: RFC 3339 times (Go's time.Time in JSON), checked in full
// before anything is started. A time goes into the incident's workflow ID, its input and the Web
// UI summary, so a value must be a real instant and short: zod's datetime check alone accepts an
// offset of `+99:99` (which Date then refuses, after some alerts of the post were started) and a
// fraction of any length (a 900 KB `startsAt`).

/** Longest accepted time: Go prints at most nanoseconds and a `+hh:mm` zone (35 characters). */
export const MAX_TIME_LENGTH = 40;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Why `value` is not a usable RFC 3339 time, or undefined when it is one. */
export function alertTimeProblem(value: string): string | undefined {
  if (value.length > MAX_TIME_LENGTH) return `longer than ${MAX_TIME_LENGTH} characters (${value.length}): not an RFC 3339 time`;
  const m = RFC3339.exec(value);
  if (!m) return 'not an RFC 3339 time (e.g. 2026-11-29T19:42:13.5Z or 2026-11-29T20:42:13+01:00)';
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return 'no such date';
  // RFC 3339 allows a leap second (:60); Go, which Alertmanager is written in, never prints one.
  if (hour > 23 || minute > 59 || second > 59) return 'no such time of day';
  if (m[7] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return `zone offset ${m[7]}${m[8]}:${m[9]} out of range (at most ±23:59)`;
  if (!Number.isFinite(Date.parse(value))) return 'not an instant this webhook can read';
  return undefined;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS[month - 1]!;
}
