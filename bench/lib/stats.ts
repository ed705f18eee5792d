// Latency and duration statistics for the benches: nearest-rank percentiles (no interpolation,
// so every printed figure is one that was actually measured) and the p50/p99/max summary.

/**
 * The nearest-rank percentile: the smallest sample with at least `p` % of the samples at or
 * below it. `p` in (0, 100]. Throws on an empty sample (a bench that measured nothing is broken,
 * not fast).
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of an empty sample');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return { count: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: percentile(samples, 100) };
}

/** Milliseconds for a table cell: whole ms from 10 ms up, one decimal below. */
export function fmtMs(ms: number): string {
  return ms >= 10 ? ms.toFixed(0) : ms.toFixed(1);
}
