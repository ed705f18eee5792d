// bench/recovery's table: fault kind × N → time to all verified healthy, and per-node p50/max.
import type { CellResult } from './recovery-cell.js';
import { percentile } from './stats.js';

const s = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(1));

export function recoveryTable(cells: readonly CellResult[]): string {
  const head = ['fault', 'N', 'all healthy (s)', 'per node p50 (s)', 'per node max (s)', 'per node (s/node)', 'outcome'];
  const rows = cells.map((c) => {
    const p50 = c.perNodeSeconds.length > 0 ? percentile(c.perNodeSeconds, 50) : undefined;
    const max = c.perNodeSeconds.length > 0 ? percentile(c.perNodeSeconds, 100) : undefined;
    return [c.fault, String(c.n), s(c.allSeconds), s(p50), s(max), c.allSeconds === undefined ? '—' : (c.allSeconds / c.n).toFixed(1), c.problem ?? 'healthy'];
  });
  const lines = [head, ...rows].map((r) => `| ${r.join(' | ')} |`);
  lines.splice(1, 0, `|${head.map(() => '---').join('|')}|`);
  return lines.join('\n');
}
