// Option parsing shared by bench/alerts and bench/recovery: integers in a range and
// comma-separated lists, each failure a BenchUsageError naming the flag and the bad value (the
// bench prints it with its usage line and exits 2).

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** A whole number from `lo` to `hi`, e.g. `--alerts 1000`. */
export function intInRange(flag: string, raw: string, lo: number, hi: number): number {
  const s = raw.trim();
  if (!/^\d+$/.test(s) || Number(s) < lo || Number(s) > hi) throw new BenchUsageError(`${flag} must be an integer from ${lo} to ${hi}, got "${raw}"`);
  return Number(s);
}

/** `1,10,100` → [1, 10, 100]: each in range, no duplicates, at least one. */
export function intList(flag: string, raw: string, lo: number, hi: number): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) throw new BenchUsageError(`${flag} must be a comma-separated list of integers, got "${raw}"`);
  const values = parts.map((s) => intInRange(flag, s, lo, hi));
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) throw new BenchUsageError(`${flag} lists ${dup} twice`);
  return values;
}

/** `a,b` → ['a', 'b'], each one of `allowed`. */
export function choiceList<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const parts = raw.split(',').map((s) => s.trim());
  for (const p of parts) {
    if (!(allowed as readonly string[]).includes(p)) throw new BenchUsageError(`${flag}: unknown value "${p}" (one of ${allowed.join(', ')})`);
  }
  return [...new Set(parts)] as T[];
}
