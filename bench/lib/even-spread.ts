// Deterministic, evenly spaced selection: used both to pick which nodes go host-down and to
// sample the §3.2 loop, so reruns probe the same addresses and stay comparable.

/** `count` items spread evenly over `xs` (deterministic). */
export function spread<T>(xs: readonly T[], count: number): T[] {
  if (count > xs.length) throw new Error(`cannot pick ${count} of ${xs.length}`);
  return Array.from({ length: count }, (_, j) => xs[Math.floor(((j + 0.5) * xs.length) / count)]!);
}
