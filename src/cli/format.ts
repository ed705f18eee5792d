// Human-readable renderings of reports and progress for the terminal.
import type { Progress } from '../domain/progress.js';
import type { DiagnoseReport } from '../domain/report.js';

export function formatReport(r: DiagnoseReport): string {
  const c = r.cluster;
  const out = [
    `Leader: ${c.leader_id ?? 'NONE'}`,
    `Alive peers: ${c.alive_peers}/${c.total_peers}   Voters alive: ${c.voters_alive}/${c.voters_total}   Health: ${c.health}`,
    '',
  ];
  const sick = new Set(r.findings.map((f) => f.node));
  const shown = r.nodes.filter((n) => sick.has(n.name));
  const healthy = r.nodes.length - shown.length;
  if (shown.length > 0) {
    out.push('NODE'.padEnd(28) + 'VIA'.padEnd(10) + 'P2P'.padEnd(8) + 'HTTP'.padEnd(8) + 'SSH'.padEnd(8) + 'TAILSCALE');
    for (const n of shown) {
      const mark = (ok: boolean): string => (ok ? 'ok' : 'FAIL');
      out.push(
        n.name.padEnd(28) +
          n.via.padEnd(10) +
          mark(n.checks.p2p.ok).padEnd(8) +
          mark(n.checks.http.ok).padEnd(8) +
          mark(n.checks.ssh.ok).padEnd(8) +
          mark(n.checks.tailscale.ok),
      );
    }
    out.push('');
  }
  out.push(`${healthy} node(s) healthy.`);
  out.push('');
  if (r.findings.length === 0) out.push('Findings: none');
  else {
    out.push('Findings:');
    for (const f of r.findings) out.push(`  - ${f.kind}${f.node ? ` on ${f.node}` : ''}: ${f.evidence}`);
  }
  if (r.recommended.length > 0) {
    out.push('Recommended:');
    for (const rec of r.recommended) out.push(`  runbook run ${rec.procedure}${rec.node ? ` --node ${rec.node}` : ''}`);
  }
  out.push(r.escalate.needed ? `ESCALATE (§6): ${r.escalate.reasons.join('; ')}` : 'Escalation: not needed');
  return out.join('\n');
}

export function formatProgress(p: Progress): string {
  const out = [`${p.procedure}${p.node ? ` on ${p.node}` : ''}${p.dryRun ? ' (dry run)' : ''}: ${p.status}`];
  for (const s of p.steps) {
    const time = s.startedAt ? ` [${s.startedAt.slice(11, 19)}${s.endedAt ? `–${s.endedAt.slice(11, 19)}` : ''}]` : '';
    out.push(`  ${s.state.padEnd(18)} ${s.name}${time}${s.detail ? `  ${s.detail}` : ''}`);
  }
  if (p.pendingApproval) {
    const a = p.pendingApproval;
    out.push(`Waiting for approval of "${a.step}" (${a.risk}) until ${a.deadline}: ${a.detail}`);
  }
  return out.join('\n');
}
