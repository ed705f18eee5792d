// Human-readable `runbook sim state`.
import type { SimState } from './state-types.js';

export function formatState(s: SimState): string {
  const lines: string[] = [];
  lines.push(`leader:          ${s.leader_id ?? 'NONE'}`);
  lines.push(`voters alive:    ${s.voters_alive}/${s.voters_total} (fewest seen ${s.min_voters_alive}; quorum ${s.quorum_lost ? 'LOST at some point' : 'never lost'})`);
  lines.push(`cluster faults:  ${s.cluster_faults.length > 0 ? s.cluster_faults.join(', ') : 'none'}`);
  const sync = s.sync;
  lines.push(
    `sync:            ${Math.round(sync.progress * 100)}%${sync.in_progress ? ' in progress' : ''}${sync.stalled ? ' STALLED' : ''} (` +
      Object.entries(sync.categories)
        .map(([k, v]) => `${k} ${Math.round(v.progress * 100)}%`)
        .join(', ') +
      ')',
  );
  lines.push('');
  const rows = s.nodes.map((n) => [n.name, n.host, n.fallback_host, n.role, n.daemon, n.faults.join(',') || '-']);
  const head = ['NODE', 'HOST', 'FALLBACK', 'ROLE', 'DAEMON', 'FAULTS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) lines.push(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  lines.push('');
  const recent = s.mutations.slice(-20);
  lines.push(`mutations: ${s.mutations.length}${s.mutations.length > recent.length ? ` (last ${recent.length})` : ''}`);
  for (const m of recent) lines.push(`  ${m.at}  ${m.source.padEnd(7)} ${m.node}: ${m.command.replace(/\n/g, '⏎')}`);
  return lines.join('\n') + '\n';
}
