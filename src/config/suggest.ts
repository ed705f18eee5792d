/** Closest candidate within edit distance 2 (or a prefix match), for "did you mean" hints. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const allowed = Math.max(2, Math.floor(word.length / 4));
  for (const c of candidates) {
    // The length difference bounds the distance from below: a hostile 100 KB key is never
    // compared letter by letter (that would cost seconds per key).
    if (Math.abs(word.length - c.length) > allowed && !c.startsWith(word)) continue;
    const d = c.startsWith(word) || word.startsWith(c) ? 1 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
