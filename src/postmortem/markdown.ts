// The postmortem model as a Markdown draft for a person to edit. Every value from a history is
// escaped (node answers, approvers' comments, error texts, even workflow IDs), so nothing in it
// renders as markup, links or HTML wherever the draft is pasted. Deterministic: no clock, no
// locale; the same model gives the same bytes.
import { escapeMarkdown as esc } from '../domain/node-text.js';
import { formatDuration, type NodeImpact, type Postmortem, type TimelineEntry } from './model.js';

const ACTOR: Record<TimelineEntry['actor'], string> = { alertmanager: 'Alertmanager', automation: 'automation', person: 'person' };

function offset(ms: number): string {
  return `${ms < 0 ? '−' : '+'}${formatDuration(Math.abs(ms))}`;
}

function impactRow(n: NodeImpact): string {
  return `| ${esc(n.node)} | ${esc(n.problems.join(', '))} | ${n.sickSince} | ${n.firstSeen} | ${n.healedAt ?? (n.stillSick ? '**not healed**' : '–')} | ${n.durationMs !== undefined ? formatDuration(n.durationMs) : '–'} | ${n.recoveries} |`;
}

export function renderPostmortem(pm: Postmortem): string {
  const out: string[] = [];
  const line = (s = ''): void => void out.push(s);
  line(`# ${esc(pm.title)}`);
  line();
  line(`> A draft built by \`runbook postmortem\` from the Temporal histories of ${esc(pm.workflowId)} and its child workflows alone: it says what happened and when, not why. Edit it before you share it.`);
  line();

  line('## Summary');
  line();
  line(esc(pm.summary));
  line();

  line('## Impact');
  line();
  if (pm.impact.nodes.length > 0) {
    line('| node | problem | sick since (UTC) | first seen by diagnose | healthy again (UTC) | for | recoveries |');
    line('|---|---|---|---|---|---|---|');
    for (const n of pm.impact.nodes) line(impactRow(n));
  } else {
    line('No node was found unhealthy.');
  }
  line();
  const lv = pm.impact.lowestVoters;
  line(`- Voters: ${lv ? `lowest seen ${lv.alive} of ${lv.total} alive (${lv.at})${lv.alive * 2 > lv.total ? ', quorum held' : ', **quorum lost**'}` : 'not measured (no diagnose ran)'}`);
  const lp = pm.impact.lowestAlivePeers;
  if (lp) line(`- Peers: lowest seen ${lp.alive} of ${lp.total} alive (${lp.at})`);
  line(`- Leader lost: ${pm.impact.leaderLost ? '**yes**' : 'no'}`);
  line(`- Sync lost: ${pm.impact.syncLost ? '**yes**' : 'no'}`);
  line();

  line('## Key times');
  line();
  const k = pm.keyTimes;
  const base = k.alertStartsAt ?? k.start;
  const since = (at: string): string => formatDuration(Date.parse(at) - Date.parse(base));
  line(`| moment | UTC | since ${k.alertStartsAt ? "the alert's startsAt" : 'the start'} |`);
  line('|---|---|---|');
  if (k.alertStartsAt) line(`| alert started firing | ${k.alertStartsAt} | 0 ms |`);
  line(`| ${pm.kind === 'incident' ? 'incident opened (time to detect)' : `${esc(pm.procedure)} started`} | ${k.start} | ${since(k.start)} |`);
  line(`| first change to the cluster (time to act) | ${k.firstChange ?? 'none'} | ${k.firstChange ? since(k.firstChange) : '–'} |`);
  const healed = pm.outcome === 'resolved' || pm.outcome === 'completed';
  line(`| ${healed ? 'resolved (time to resolve)' : `ended ${esc(pm.outcome)} (not resolved)`} | ${k.end ?? 'still running'} | ${k.end ? since(k.end) : '–'} |`);
  line();
  if (pm.kind === 'monitor-recovery') {
    line(`Time to detect is not in these histories: the missed heartbeats before the start are in the health monitor's own history (${esc(pm.requestedBy ?? 'the monitor')}).`);
    line();
  }
  line(`Time spent waiting for people: ${formatDuration(k.waitingForHumansMs)}.`);
  line();

  line('## Timeline');
  line();
  line(`Times in UTC; offsets from the start of ${esc(pm.workflowId)} (${k.start}).`);
  line();
  for (const e of pm.timeline) {
    const mark = e.outcome === 'failed' ? ' **FAILED**' : e.outcome === 'escalated' ? ' **ESCALATED**' : '';
    line(`- ${e.at} (${offset(e.offsetMs)}) ${e.kind}, ${ACTOR[e.actor]}, ${esc(e.run)}:${mark} ${esc(e.text)}`);
  }
  line();

  line('## Automation and people');
  line();
  const a = pm.automation;
  line(`**On its own**, automation ran ${a.runs.length - 1} child workflow(s), ${a.commands} change(s) on nodes (${a.failedCommands} failed), ${a.checks} check(s) and ${a.notifications} notification(s):`);
  line();
  for (const r of a.runs) {
    const took = r.endedAt ? `, ${formatDuration(Date.parse(r.endedAt) - Date.parse(r.startedAt))}` : ', still running';
    line(`- ${esc(r.procedure)}${r.node ? ` on ${esc(r.node)}` : ''}: ${esc(r.status)}${took}${r.summary ? `: ${esc(r.summary)}` : ''} (${esc(r.workflowId)})`);
  }
  line();
  const p = pm.people;
  line('**People**:');
  line();
  if (pm.requestedBy) line(`- started by: ${esc(pm.requestedBy)}`);
  if (p.alertmanager.fired > 0 || p.alertmanager.resolved > 0) {
    line(`- Alertmanager: fired ${p.alertmanager.fired} time(s) (${Math.max(0, p.alertmanager.fired - 1)} repeat(s)), resolved ${p.alertmanager.resolved} time(s)`);
  }
  for (const d of p.decisions) {
    const waited = d.waitedMs !== undefined ? ` after ${formatDuration(d.waitedMs)}` : '';
    line(`- ${esc(d.by)} ${d.approved ? 'approved' : '**rejected**'} ${esc(d.step)} (${esc(d.run)}) at ${d.at}${waited}${d.comment ? `: "${esc(d.comment)}"` : ''}`);
  }
  for (const w of p.waits.filter((x) => x.outcome !== 'decided')) {
    line(`- ${w.outcome === 'timed-out' ? '**nobody decided**' : 'still waiting for'} ${esc(w.step)} (${esc(w.run)}), asked at ${w.requestedAt}${w.waitedMs !== undefined ? `, waited ${formatDuration(w.waitedMs)}` : ''}`);
  }
  if (p.decisions.length === 0 && p.waits.length === 0) line('- no approval was asked of anyone: policy let automation act');
  line();

  if (pm.escalations.length > 0) {
    line('## Escalation (§6.2 bundle)');
    line();
    for (const b of pm.escalations) {
      line(`### ${esc(b.run)}`);
      line();
      line(`- Reasons: ${b.reasons.length > 0 ? b.reasons.map(esc).join('; ') : 'none recorded'}`);
      if (b.tailscale) line(`- Tailscale (coordinator): ${esc(b.tailscale)}`);
      if (b.p2pStatus.length > 0) line(`- P2P status: ${b.p2pStatus.map((x) => `${esc(x.node)}: ${esc(x.view)}`).join('; ')}`);
      line(`- Routing checks of the affected nodes: ${b.routingChecks}`);
      if (b.tailscaleFromNodes.length > 0) line(`- Tailscale from healthy nodes: ${b.tailscaleFromNodes.map((x) => `${esc(x.node)}: ${esc(x.view)}`).join('; ')}`);
      line(`- Recent changes: ${b.recentChanges.length > 0 ? b.recentChanges.map(esc).join('; ') : 'none'}`);
      if (b.configChanges.length > 0) line(`- Hosts-file changes: ${b.configChanges.map((c) => `${esc(c.at)} (${c.changes} line(s))`).join('; ')}`);
      if (b.providerStatusPages.length > 0) line(`- Provider status pages: ${b.providerStatusPages.map((x) => `${esc(x.provider)} ${esc(x.url)}`).join('; ')}`);
      if (b.truncated) line('- (the bundle was cut to its size bound)');
      line();
    }
  }

  line('## Follow-ups');
  line();
  for (const f of pm.followUps) line(`- [ ] ${esc(f)}`);
  line();
  line('---');
  line();
  line(`Regenerate: \`runbook postmortem ${pm.workflowId.replace(/[`\r\n]/g, '?')}\` (${pm.automation.runs.length} workflow histories read).`);
  return `${out.join('\n')}\n`;
}
