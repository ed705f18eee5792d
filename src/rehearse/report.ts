// How a rehearsal reads: the one-case detail (steps, approvals, commands per node, verdict) and
// the `--all` table. Pure: strings in, strings out.
import type { CaseResult } from './run-case.js';

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The verdict cell: what happened, and whether that is what the runbook promises. */
export function outcomeCell(r: CaseResult): string {
  const touched = r.commands.length > 0 ? `, ${r.commands.length} command(s) sent` : ', untouched';
  const what =
    r.expect === 'healed' ? (r.healed && r.status === 'completed' ? 'healed' : r.status) : r.status === 'escalated' && r.commands.length === 0 ? 'escalated' : `${r.status}${touched}`;
  return `${r.asExpected ? 'ok' : 'NOT OK'}: ${what}${r.asExpected ? '' : ` (expected ${r.expect})`}`;
}

export function formatTable(results: readonly CaseResult[]): string {
  const header = ['fault', 'procedure', 'outcome', 'steps', 'approvals', 'time'];
  const rows = results.map((r) => [r.fault, r.procedure, outcomeCell(r), String(r.steps), String(r.approvals.length), formatSeconds(r.ms)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const ok = results.filter((r) => r.asExpected).length;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `${ok}/${results.length} as the runbook promises`].join('\n');
}

export function formatCase(r: CaseResult): string {
  const out: string[] = [];
  out.push(`${r.procedure} against ${r.fault} on ${r.target}: ${outcomeCell(r)} in ${formatSeconds(r.ms)}`);
  if (r.summary !== undefined) out.push(`  result: ${r.summary}`);
  if (r.reason !== undefined) out.push(`  why not: ${r.reason}`);
  out.push(`  steps that ran: ${r.steps}`);
  for (const w of r.workflows) {
    const ran = w.steps.filter((s) => s.state !== 'pending');
    if (ran.length === 0) continue;
    out.push(`    ${w.procedure}${w.node !== undefined ? ` on ${w.node}` : ''} (${w.status}):`);
    for (const s of ran) out.push(`      ${s.state.padEnd(17)} ${s.name}${s.detail !== undefined ? ` — ${s.detail}` : ''}`);
  }
  out.push(`  approvals it would have asked for: ${r.approvals.length === 0 ? 'none (the policy lets these steps run on their own)' : ''}`);
  for (const a of r.approvals) out.push(`    ${a.procedure}${a.node !== undefined ? ` on ${a.node}` : ''}: "${a.step}" (${a.risk}) ${a.detail}; would ask ${a.wouldAsk}`);
  out.push(`  commands sent to the twin's nodes: ${r.commands.length === 0 ? 'none' : ''}`);
  const byNode = new Map<string, string[]>();
  for (const c of r.commands) byNode.set(c.node, [...(byNode.get(c.node) ?? []), `${c.source}: ${c.command}`]);
  for (const [node, cmds] of byNode) {
    out.push(`    ${node}:`);
    for (const c of cmds) out.push(`      ${c}`);
  }
  out.push(`  twin ${r.healed ? 'healthy' : `not healthy: ${r.faultsAfter.join(', ') || 'no leader'}`}`);
  return out.join('\n');
}
