// Human-readable renderings of reports and progress for the terminal.
import { approvalTally } from '../domain/approval-event.js';
import type { IncidentChild } from '../domain/incident.js';
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
  const out = [formatProgressHead(p), ...formatSteps(p)];
  if (p.pendingApproval) {
    const a = p.pendingApproval;
    out.push(`Waiting for approval of "${a.step}" (${a.risk}) until ${a.deadline}: ${a.detail}`);
    const tally = approvalTally(a.minApprovers, a.approvals);
    if (tally !== undefined) out.push(`  ${tally}`);
  }
  out.push(...formatDecisions(p.decisions));
  return out.join('\n');
}

function formatProgressHead(p: Progress): string {
  return `${p.procedure}${p.node ? ` on ${p.node}` : ''}${p.dryRun ? ' (dry run)' : ''}: ${p.status}`;
}

function formatSteps(p: Progress): string[] {
  return p.steps.map((s) => {
    const time = s.startedAt ? ` [${s.startedAt.slice(11, 19)}${s.endedAt ? `–${s.endedAt.slice(11, 19)}` : ''}]` : '';
    return `  ${s.state.padEnd(18)} ${s.name}${time}${s.detail ? `  ${s.detail}` : ''}`;
  });
}

/** A compact span for tables: `45s`, `12m`, `3h05m`, `2d04h`. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Columns under a header, each as wide as its widest cell; the last one is not padded. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** One row of `runbook list` (its `--json` element: the first four fields are DESIGN §5's). */
export interface ListedRun {
  workflowId: string;
  procedure: string;
  node: string | null;
  status: string;
  /** ISO start time. */
  startedAt: string;
  /** ISO close time, once the run ended. */
  closedAt?: string;
  /** The step waiting for approval, while one waits (read with the progress query). */
  waitingOn?: string;
  /** Set for a run an incident started (its child). */
  parentWorkflowId?: string;
}

/** `runbook list`: a header and aligned columns, in the order given (the command sorts). */
export function formatRunList(runs: readonly ListedRun[], now: Date): string {
  if (runs.length === 0) return 'no procedures';
  const rows = runs.map((r) => {
    const started = Date.parse(r.startedAt);
    return [
      r.status,
      r.procedure,
      r.node ?? '-',
      formatSpan(now.getTime() - started),
      r.closedAt !== undefined ? formatSpan(Date.parse(r.closedAt) - started) : '-',
      r.waitingOn ?? (r.status === 'awaiting-approval' ? '?' : '-'),
      r.workflowId,
    ];
  });
  return formatTable(['STATUS', 'PROCEDURE', 'NODE', 'AGE', 'DURATION', 'WAITING ON', 'WORKFLOW ID'], rows).join('\n');
}

/** What `runbook status` knows of a run beyond its progress query. */
export interface StatusView {
  workflowId: string;
  progress: Progress;
  /** The result's summary and §6.2 reasons, once the run ended with a result. */
  result?: { status: string; summary: string; escalation?: { reasons: string[] } };
  /** Why the run failed, when it ended without a result (failed, terminated, timed out). */
  failure?: string;
  /** An incident's children, with the live status of those still running (visibility). */
  children?: Array<IncidentChild & { liveStatus?: string }>;
}

/**
 * `runbook status`: what an operator must see first comes first — why it escalated or failed —
 * then who decided what, the steps, and an incident's children.
 */
export function formatStatus(v: StatusView): string {
  const p = v.progress;
  const out: string[] = [];
  if (p.status === 'escalated' || v.result?.status === 'escalated') {
    // §6: a human takes over; the reasons are what they act on.
    out.push(`ESCALATED (§6): ${v.result?.summary ?? 'a human must take over'}`);
    for (const r of v.result?.escalation?.reasons ?? []) out.push(`  - ${r}`);
    out.push('');
  } else if (p.status === 'failed' || v.failure !== undefined) {
    out.push(`FAILED: ${v.failure ?? 'see the failed step below'}${p.status === 'failed' ? '  (runbook retry re-runs it from the failed step)' : ''}`);
    out.push('');
  }
  out.push(formatProgressHead(p));
  if (p.pendingApproval) {
    const a = p.pendingApproval;
    out.push(`WAITING FOR APPROVAL of "${a.step}" (${a.risk}) until ${a.deadline}: ${a.detail}`);
    const tally = approvalTally(a.minApprovers, a.approvals);
    if (tally !== undefined) out.push(`  ${tally}`);
    out.push(`  runbook approve ${v.workflowId} --step '${a.step}' --by YOUR_NAME   (or runbook reject …)`);
  }
  out.push(...formatDecisions(p.decisions));
  out.push('Steps:');
  out.push(...formatSteps(p));
  const children = v.children ?? [];
  if (children.length > 0) {
    out.push('Child procedures:');
    const rows = children.map((c) => [
      c.liveStatus ?? c.status,
      c.procedure,
      c.node ?? '-',
      String(c.round),
      c.workflowId,
      c.summary ?? '',
    ]);
    out.push(...formatTable(['STATUS', 'PROCEDURE', 'NODE', 'ROUND', 'WORKFLOW ID', 'SUMMARY'], rows).map((l) => `  ${l}`));
  }
  if (v.result && v.result.status !== 'escalated') out.push(`Result: ${v.result.summary}`);
  return out.join('\n');
}

/** Who approved or rejected which step, and when (`at`, when the workflow recorded it). */
export function formatDecisions(decisions: Progress['decisions'] | undefined): string[] {
  if (!decisions || decisions.length === 0) return [];
  return [
    'Decisions:',
    ...decisions.map((d) => {
      const at = (d as { at?: string }).at;
      return `  ${d.approved ? 'approved' : 'REJECTED'} "${d.step}" by ${d.by}${at ? ` at ${at}` : ''}${d.comment ? `: ${d.comment}` : ''}`;
    }),
  ];
}
