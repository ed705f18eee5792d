// The postmortem's content as data (DESIGN §13): built only from decoded histories (history.ts),
// never from the cluster or the clock, so the same histories always give the same model. Every
// string here is plain text as the histories hold it; markdown.ts escapes it, `--json` prints it.
// Tolerant: results and inputs are read field by field, unknown fields, finding kinds and
// activity types are ignored or shown as they are, so newer workflow code still renders.
import { capNodeText } from '../domain/node-text.js';
import { MUTATING_STEPS, type SshStep } from '../domain/ssh-catalog.js';
import type { ActivityRecord, RunRecord } from './history.js';

export type PostmortemKind = 'incident' | 'procedure' | 'monitor-recovery';
export type Actor = 'alertmanager' | 'automation' | 'person';

export interface TimelineEntry {
  at: string;
  /** Milliseconds from the start of the root run (negative: before it, e.g. the alert's startsAt). */
  offsetMs: number;
  /** What kind of event: alert, finding, child, command, check, verify, approval, decision, escalation, notification, end. */
  kind: string;
  actor: Actor;
  /** The run it happened in: its procedure, node and round, e.g. `restart-p2p on node-2`. */
  run: string;
  text: string;
  node?: string;
  outcome?: 'ok' | 'failed' | 'escalated' | 'rejected';
}

export interface RunSummary {
  workflowId: string;
  procedure: string;
  node?: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  summary?: string;
  requestedBy?: string;
}

export interface NodeImpact {
  node: string;
  /** Finding kinds seen on it (or the procedure that acted on it, when no diagnose ran). */
  problems: string[];
  /** When a diagnose first reported it. */
  firstSeen: string;
  /** When it went wrong as far as the histories know: the alert's startsAt for a node sick at the first diagnose. */
  sickSince: string;
  /** The first diagnose after which it was healthy again, or the run's successful end. */
  healedAt?: string;
  durationMs?: number;
  stillSick: boolean;
  /** Recovery procedures run on it. */
  recoveries: number;
}

export interface Decision {
  run: string;
  step: string;
  approved: boolean;
  by: string;
  comment?: string;
  requestedAt?: string;
  at: string;
  waitedMs?: number;
}

export interface ApprovalWait {
  run: string;
  step: string;
  requestedAt: string;
  endedAt?: string;
  outcome: 'decided' | 'timed-out' | 'open';
  waitedMs?: number;
}

export interface BundleSummary {
  run: string;
  reasons: string[];
  tailscale?: string;
  p2pStatus: Array<{ node: string; view: string }>;
  routingChecks: number;
  recentChanges: string[];
  providerStatusPages: Array<{ provider: string; url: string }>;
  tailscaleFromNodes: Array<{ node: string; view: string }>;
  configChanges: Array<{ at: string; changes: number }>;
  truncated: boolean;
}

export interface Postmortem {
  workflowId: string;
  kind: PostmortemKind;
  procedure: string;
  target?: string;
  title: string;
  summary: string;
  outcome: string;
  requestedBy?: string;
  alert?: { alertname: string; startsAt: string; fingerprint?: string; repeats: number; resolvedByAlertmanager: boolean; labels: Record<string, string> };
  impact: {
    nodes: NodeImpact[];
    lowestVoters?: { alive: number; total: number; at: string };
    leaderLost: boolean;
    syncLost: boolean;
    lowestAlivePeers?: { alive: number; total: number; at: string };
  };
  keyTimes: {
    alertStartsAt?: string;
    start: string;
    firstChange?: string;
    end?: string;
    timeToDetectMs?: number;
    timeToActMs?: number;
    timeToResolveMs?: number;
    waitingForHumansMs: number;
    durationMs?: number;
  };
  timeline: TimelineEntry[];
  automation: { runs: RunSummary[]; commands: number; failedCommands: number; checks: number; notifications: number };
  people: { decisions: Decision[]; waits: ApprovalWait[]; alertmanager: { fired: number; resolved: number } };
  escalations: BundleSummary[];
  followUps: string[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const ms = (a: string, b: string): number => Date.parse(b) - Date.parse(a);
/** Untrusted text (node answers, comments, errors) kept to one line of bounded length. */
const plain = (v: unknown, max = 300): string => capNodeText(typeof v === 'string' ? v : JSON.stringify(v) ?? '', max);

const MONITOR_PREFIX = 'runbook-health-monitor';
const APPROVAL_TIMER = /^approval deadline of "(.*)"$/;

/** A run's label in the timeline: its procedure and node, as the incident names its children. */
function runLabel(r: RunRecord): string {
  const input = obj(r.input);
  const node = str(input['node']) ?? (r.type === 'connectivity-incident' ? str(input['target']) : undefined);
  const round = /--(diagnose \(round \d+\)|verify \(diagnose \d+\))$/.exec(r.workflowId)?.[1];
  if (round) return round;
  const r1 = /--r(\d+)-/.exec(r.workflowId)?.[1];
  return `${r.type}${node ? ` on ${node}` : ''}${r1 ? ` (round ${r1})` : ''}`;
}

function kindOf(root: RunRecord): PostmortemKind {
  if (root.type === 'connectivity-incident') return 'incident';
  const by = str(obj(root.input)['requestedBy']) ?? '';
  return by.startsWith(MONITOR_PREFIX) || root.workflowId.includes('-recover-node-') && by.includes('monitor') ? 'monitor-recovery' : 'procedure';
}

/** The run's outcome word: the procedure's own status when it returned one, else Temporal's. */
function outcomeOf(r: RunRecord): string {
  const res = obj(r.result);
  if (r.type === 'connectivity-incident') {
    const o = str(obj(res['details'])['outcome']);
    if (o) return o;
  }
  if (r.type === 'diagnose' && r.status === 'completed') return obj(res['escalate'])['needed'] === true ? 'escalated' : 'completed';
  return str(res['status']) ?? r.status;
}

/** What one activity means for the postmortem, or undefined when it is plumbing (probes, reads). */
function describeActivity(a: ActivityRecord): { kind: 'command' | 'check' | 'verify' | 'notification'; text: string; node?: string; ok: boolean; change: boolean } | undefined {
  const input = obj(a.input);
  const result = obj(a.result);
  const node = str(input['node']);
  const failed = a.outcome !== 'completed' && a.outcome !== 'open';
  const tail = failed ? `: FAILED (${plain(a.failure ?? a.outcome, 200)})` : '';
  const what = a.summary ? plain(a.summary, 200) : undefined;
  switch (a.type) {
    case 'sshRun': {
      const step = str(input['step']) ?? '?';
      const change = MUTATING_STEPS.has(step as SshStep);
      const exit = num(result['exitCode']);
      const ok = !failed && exit === 0;
      const via = str(result['via']);
      const took = num(result['ms']);
      const res = failed ? tail : `: exit ${exit ?? '?'}${via ? ` via ${via}` : ''}${took !== undefined ? ` (${took} ms)` : ''}`;
      return { kind: change ? 'command' : 'check', text: `${what ?? `ssh ${step}${node ? ` on ${node}` : ''}`} [${step}]${res}`, ...(node && { node }), ok, change };
    }
    case 'triggerElection': {
      const ok = !failed && result['accepted'] === true;
      const res = failed ? tail : `: ${ok ? 'accepted' : 'refused'}${num(result['httpStatus']) !== undefined ? ` (HTTP ${num(result['httpStatus'])})` : ''}`;
      return { kind: 'command', text: `${what ?? 'POST /admin/trigger-election'}${res}`, ...(node && { node }), ok, change: true };
    }
    case 'triggerSync': {
      const ok = !failed && result['accepted'] === true;
      const cats = arr(input['categories']).map((c) => plain(c, 60)).join(', ');
      return { kind: 'command', text: `${what ?? `trigger sync of ${cats}`}${failed ? tail : ok ? ': accepted' : ': refused'}`, ok, change: true };
    }
    case 'applyHostsPatch': {
      const n = arr(input['changes']).length;
      return { kind: 'command', text: `${what ?? `write the hosts file (${n} change(s))`}${failed ? tail : ': written'}`, ok: !failed, change: true };
    }
    case 'waitForNode':
    case 'waitForLeader':
    case 'watchSync': {
      const reached = result['reached'] ?? (a.type === 'waitForLeader' ? result['leader'] !== null && result['leader'] !== undefined : result['ok']);
      const polls = num(result['polls']);
      const ok = !failed && reached === true;
      const res = failed ? tail : `: ${ok ? 'reached' : `not reached${str(result['error']) ? ` (${plain(result['error'], 120)})` : ''}`}${polls !== undefined ? ` after ${polls} poll(s)` : ''}`;
      return { kind: 'verify', text: `${what ?? `${a.type}${node ? ` on ${node}` : ''}`}${res}`, ...(node && { node }), ok, change: false };
    }
    case 'notify': {
      const deliveries = arr(result['deliveries']).map(obj);
      const ok = !failed && deliveries.every((d) => d['ok'] === true);
      const to =
        deliveries.length === 0
          ? 'no target configured'
          : deliveries.map((d) => `${plain(d['kind'], 20)}:${plain(d['target'], 60)} ${d['ok'] === true ? 'ok' : 'FAILED'}`).join(', ');
      // `event` (approval-requested, approval-decided, …) where the notifier names one; else the page's action.
      const action = plain(str(input['event']) ?? str(input['action']) ?? 'trigger', 40);
      return { kind: 'notification', text: `notification (${action}): ${failed ? tail.slice(2) : to}`, ok, change: false };
    }
    default:
      return undefined;
  }
}

interface Acc {
  timeline: TimelineEntry[];
  start: string;
}

function add(acc: Acc, e: Omit<TimelineEntry, 'offsetMs'>): void {
  acc.timeline.push({ ...e, offsetMs: ms(acc.start, e.at) });
}

/**
 * The postmortem of `rootId`, from its decoded history and its children's (`runs` holds every
 * run the root reaches; runs it does not reach are ignored).
 */
export function buildPostmortem(rootId: string, runs: readonly RunRecord[]): Postmortem {
  const byId = new Map(runs.map((r) => [r.workflowId, r]));
  const root = byId.get(rootId);
  if (!root) throw new Error(`no history for ${rootId}`);
  // The root and its descendants, parent before child, in the order they were started.
  const ordered: RunRecord[] = [];
  const visit = (r: RunRecord): void => {
    if (ordered.includes(r)) return;
    ordered.push(r);
    for (const c of r.children) {
      const child = byId.get(c.workflowId);
      if (child) visit(child);
    }
  };
  visit(root);

  const kind = kindOf(root);
  const input = obj(root.input);
  const rootResult = obj(root.result);
  const acc: Acc = { timeline: [], start: root.startedAt };
  const alertIn = obj(input['alert']);
  const alertname = str(alertIn['alertname']);
  const startsAt = str(alertIn['startsAt']);
  const target = str(input['target']) ?? str(input['node']);
  const label = new Map(ordered.map((r) => [r, runLabel(r)]));

  // Alertmanager: the alert that opened the incident, its repeats, its resolution.
  let fired = 0;
  let resolved = 0;
  if (alertname && startsAt) {
    add(acc, { at: startsAt, kind: 'alert', actor: 'alertmanager', run: label.get(root)!, text: `${alertname} started firing (the alert's startsAt)` });
  }
  for (const s of root.signals) {
    const a = obj(s.input);
    if (s.name === 'alert') {
      fired++;
      const first = fired === 1 && s.at === root.startedAt;
      add(acc, { at: s.at, kind: 'alert', actor: 'alertmanager', run: label.get(root)!, text: first ? `${plain(a['alertname'] ?? alertname)} received: incident opened` : `${plain(a['alertname'] ?? alertname)} repeated (joined the open incident)` });
    } else if (s.name === 'alert-resolved') {
      resolved++;
      add(acc, { at: s.at, kind: 'alert', actor: 'alertmanager', run: label.get(root)!, text: `Alertmanager sent resolved for ${plain(a['alertname'] ?? alertname)}` });
    }
  }
  if (kind !== 'incident') {
    const by = str(input['requestedBy']);
    add(acc, { at: root.startedAt, kind: 'start', actor: kind === 'monitor-recovery' ? 'automation' : by?.startsWith('cli:') ? 'person' : 'automation', run: label.get(root)!, text: `${root.type} started${by ? `, requested by ${plain(by)}` : ''}` });
  }

  const decisions: Decision[] = [];
  const waits: ApprovalWait[] = [];
  const escalations: BundleSummary[] = [];
  const runSummaries: RunSummary[] = [];
  const nodeSeen = new Map<string, NodeImpact>();
  const recoveries = new Map<string, number>();
  let firstChange: string | undefined;
  let commands = 0;
  let failedCommands = 0;
  let checks = 0;
  let notifications = 0;
  let lowestVoters: Postmortem['impact']['lowestVoters'];
  let lowestAlive: Postmortem['impact']['lowestAlivePeers'];
  let leaderLost = false;
  let syncLost = false;
  const failedSteps: string[] = [];
  const failedNotices: string[] = [];
  let lastReportNodes: Map<string, string[]> | undefined;
  let lastReportAt: string | undefined;
  /** Per node, when a recovery procedure on it last ended completed. */
  const recoveredAt = new Map<string, string>();
  const stillSickAtEnd: string[] = [];
  const otherFindings = new Set<string>();

  for (const r of ordered) {
    const rl = label.get(r)!;
    const rin = obj(r.input);
    const res = obj(r.result);
    const outcome = outcomeOf(r);
    const node = str(rin['node']);
    runSummaries.push({
      workflowId: r.workflowId,
      procedure: r.type,
      ...(node && { node }),
      status: outcome,
      startedAt: r.startedAt,
      ...(r.closedAt && { endedAt: r.closedAt }),
      ...(str(res['summary']) && { summary: plain(res['summary'], 500) }),
      ...(r.failure && { summary: plain(r.failure, 500) }),
      ...(str(rin['requestedBy']) && { requestedBy: plain(rin['requestedBy']) }),
    });
    if (r !== root) {
      add(acc, { at: r.startedAt, kind: 'child', actor: 'automation', run: label.get(root)!, text: `started ${rl} (${r.workflowId})`, ...(node && { node }) });
      if (r.type !== 'diagnose' && node) recoveries.set(node, (recoveries.get(node) ?? 0) + 1);
    }
    for (const a of r.activities) {
      const d = describeActivity(a);
      if (!d) continue;
      if (d.kind === 'command') {
        commands++;
        if (!d.ok) {
          failedCommands++;
          failedSteps.push(`${rl}: ${d.text}`);
        }
        if (firstChange === undefined || Date.parse(a.scheduledAt) < Date.parse(firstChange)) firstChange = a.scheduledAt;
      } else if (d.kind === 'check' || d.kind === 'verify') {
        checks++;
        // Diagnose's own drill-down and the checks inside it are its findings, summarised below.
        if (r.type === 'diagnose') continue;
      } else if (d.kind === 'notification') {
        notifications++;
        if (!d.ok) failedNotices.push(`${rl}: ${d.text}`);
      }
      add(acc, { at: a.endedAt ?? a.scheduledAt, kind: d.kind, actor: 'automation', run: rl, text: d.text, ...(d.node && { node: d.node }), outcome: d.ok ? 'ok' : 'failed' });
    }

    // Approvals: each gate's deadline timer is the request; the result's decisions say who decided.
    const gates = r.timers.flatMap((t) => {
      const m = APPROVAL_TIMER.exec(t.summary ?? '');
      return m ? [{ step: `approve ${m[1]}`, t }] : [];
    });
    const recorded = arr(res['decisions']).map(obj);
    const fallback = [...r.signals.filter((s) => s.name === 'approve' || s.name === 'reject'), ...r.updates.filter((u) => u.name === 'decide')].map((m) => {
      const d = obj(m.input);
      return { step: d['step'], approved: m.name === 'approve' || (m.name === 'decide' && d['approve'] === true), by: d['by'], comment: d['comment'], at: m.at };
    });
    const runDecisions = recorded.length > 0 || r.result !== undefined ? recorded : fallback;
    for (const g of gates) {
      add(acc, { at: g.t.startedAt, kind: 'approval', actor: 'automation', run: rl, text: `asked a person to approve "${g.step}"`, ...(node && { node }) });
      const wait: ApprovalWait = { run: rl, step: g.step, requestedAt: g.t.startedAt, outcome: g.t.outcome === 'fired' ? 'timed-out' : g.t.outcome === 'canceled' ? 'decided' : 'open' };
      if (g.t.endedAt) Object.assign(wait, { endedAt: g.t.endedAt, waitedMs: ms(g.t.startedAt, g.t.endedAt) });
      waits.push(wait);
      if (g.t.outcome === 'fired') {
        add(acc, { at: g.t.endedAt!, kind: 'approval', actor: 'automation', run: rl, text: `nobody decided "${g.step}" before its deadline: escalating`, outcome: 'failed', ...(node && { node }) });
      }
    }
    for (const d of runDecisions) {
      const step = str(d['step']) ?? waits.find((w) => w.run === rl && w.outcome !== 'timed-out')?.step ?? '(the waiting step)';
      const at = str(d['at']) ?? r.startedAt;
      const gate = gates.find((g) => g.step === step && Date.parse(g.t.startedAt) <= Date.parse(at));
      const dec: Decision = {
        run: rl,
        step,
        approved: d['approved'] === true,
        by: plain(d['by'] ?? 'unknown', 120),
        ...(str(d['comment']) !== undefined && { comment: plain(d['comment']) }),
        ...(gate && { requestedAt: gate.t.startedAt, waitedMs: ms(gate.t.startedAt, at) }),
        at,
      };
      decisions.push(dec);
      add(acc, { at, kind: 'decision', actor: 'person', run: rl, text: `${dec.by} ${dec.approved ? 'approved' : 'rejected'} "${step}"${dec.comment ? `: "${dec.comment}"` : ''}`, outcome: dec.approved ? 'ok' : 'rejected', ...(node && { node }) });
    }

    // Diagnose: its findings and the cluster's state, the source of the impact section.
    if (r.type === 'diagnose' && r.status === 'completed') {
      const cluster = obj(res['cluster']);
      const findings = arr(res['findings']).map(obj);
      const at = r.closedAt!;
      const va = num(cluster['voters_alive']);
      const vt = num(cluster['voters_total']);
      if (va !== undefined && vt !== undefined && (lowestVoters === undefined || va < lowestVoters.alive)) lowestVoters = { alive: va, total: vt, at };
      const pa = num(cluster['alive_peers']);
      const pt = num(cluster['total_peers']);
      if (pa !== undefined && pt !== undefined && (lowestAlive === undefined || pa < lowestAlive.alive)) lowestAlive = { alive: pa, total: pt, at };
      if ('leader_id' in cluster && cluster['leader_id'] === null) leaderLost = true;
      const sick = new Map<string, string[]>();
      for (const f of findings) {
        const fk = plain(f['kind'] ?? 'unknown', 60);
        if (fk === 'leader-lost') leaderLost = true;
        if (fk === 'sync-stalled') syncLost = true;
        const fn = str(f['node']);
        if (fn) sick.set(fn, [...(sick.get(fn) ?? []), fk]);
        else otherFindings.add(fk);
        const seenBy = describeSeenBy(f['seenBy']);
        add(acc, {
          at,
          kind: 'finding',
          actor: 'automation',
          run: rl,
          text: `${fk}${fn ? ` on ${fn}` : ''}${str(f['evidence']) ? `: ${plain(f['evidence'], 200)}` : ''}${seenBy ? ` (${seenBy})` : ''}`,
          ...(fn && { node: fn }),
        });
      }
      if (findings.length === 0) add(acc, { at, kind: 'finding', actor: 'automation', run: rl, text: 'no findings: the cluster is healthy', outcome: 'ok' });
      const cl = clusterLine(cluster);
      if (cl) add(acc, { at, kind: 'finding', actor: 'automation', run: rl, text: cl });
      for (const [n, kinds] of sick) {
        const seen = nodeSeen.get(n);
        if (!seen) nodeSeen.set(n, { node: n, problems: [...kinds], firstSeen: at, sickSince: lastReportNodes === undefined && startsAt ? startsAt : at, stillSick: true, recoveries: 0 });
        else {
          for (const k of kinds) if (!seen.problems.includes(k)) seen.problems.push(k);
          // Sick again after it had healed: it flapped; the healing did not last.
          if (seen.healedAt !== undefined) {
            delete seen.healedAt;
            delete seen.durationMs;
          }
          seen.stillSick = true;
        }
      }
      for (const seen of nodeSeen.values()) {
        if (!sick.has(seen.node) && seen.healedAt === undefined) {
          Object.assign(seen, { healedAt: at, durationMs: ms(seen.sickSince, at), stillSick: false });
        }
      }
      lastReportNodes = sick;
      lastReportAt = at;
    }

    // Escalations: the run gave up and paged; its §6.2 bundle, summarised.
    if (outcome === 'escalated' && r.type !== 'diagnose') {
      const bundle = obj(res['escalation']);
      const reasons = arr(bundle['reasons']).map((x) => plain(x, 400));
      add(acc, { at: r.closedAt ?? r.startedAt, kind: 'escalation', actor: 'automation', run: rl, text: `escalated to a person: ${reasons.length > 0 ? reasons.join('; ') : plain(res['summary'] ?? 'no reason recorded', 400)}`, outcome: 'escalated', ...(node && { node }) });
      if (Object.keys(bundle).length > 0) escalations.push(summariseBundle(rl, bundle));
    }
    if (r.status === 'failed' || r.status === 'timed-out' || r.status === 'terminated' || r.status === 'canceled') {
      failedSteps.push(`${rl} ended ${r.status}${r.failure ? `: ${plain(r.failure, 200)}` : ''}`);
    }
    if (r.type !== 'diagnose' && node && outcome === 'completed' && r.closedAt) {
      const prev = recoveredAt.get(node);
      if (prev === undefined || Date.parse(r.closedAt) > Date.parse(prev)) recoveredAt.set(node, r.closedAt);
    }
    if (r !== root && r.closedAt) {
      add(acc, { at: r.closedAt, kind: 'child', actor: 'automation', run: label.get(root)!, text: `${rl} ended ${outcome}${str(res['summary']) ? `: ${plain(res['summary'], 300)}` : ''}`, outcome: endOutcome(outcome), ...(node && { node }) });
    }
  }

  // A node still sick at the last diagnose whose recovery then completed (verified by the
  // procedure itself, with no diagnose after it) counts as healed when that recovery ended.
  for (const n of lastReportNodes?.keys() ?? []) {
    const seen = nodeSeen.get(n)!;
    const fixedAt = recoveredAt.get(n);
    if (fixedAt !== undefined && Date.parse(fixedAt) > Date.parse(lastReportAt ?? '')) {
      Object.assign(seen, { healedAt: fixedAt, durationMs: ms(seen.sickSince, fixedAt), stillSick: false });
    } else {
      stillSickAtEnd.push(n);
    }
  }
  // Without a diagnose (a procedure run on its own), the node it acted on is the impact.
  if (nodeSeen.size === 0 && str(input['node'])) {
    const n = str(input['node'])!;
    const ok = outcomeOf(root) === 'completed';
    nodeSeen.set(n, { node: n, problems: [kind === 'monitor-recovery' ? plain(str(input['requestedBy'])?.replace(/^[^:]*:\s*/, '') ?? root.type) : root.type], firstSeen: root.startedAt, sickSince: root.startedAt, stillSick: !ok, recoveries: 0, ...(ok && root.closedAt && { healedAt: root.closedAt, durationMs: ms(root.startedAt, root.closedAt) }) });
    if (!ok) stillSickAtEnd.push(n);
  }
  for (const [n, count] of recoveries) {
    const seen = nodeSeen.get(n);
    if (seen) seen.recoveries = count;
  }

  const outcome = outcomeOf(root);
  if (root.closedAt) {
    add(acc, { at: root.closedAt, kind: 'end', actor: 'automation', run: label.get(root)!, text: `${root.type} ended ${outcome}${str(rootResult['summary']) ? `: ${plain(rootResult['summary'], 400)}` : root.failure ? `: ${plain(root.failure, 400)}` : ''}`, outcome: endOutcome(outcome) });
  }
  // Stable: events at the same millisecond keep the order they were read in (parent first).
  const timeline = acc.timeline.map((e, i) => ({ e, i })).sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i).map((x) => x.e);

  const from = startsAt ?? root.startedAt;
  const healed = outcome === 'completed' || outcome === 'resolved';
  const waitingForHumansMs = waits.reduce((s, w) => s + (w.waitedMs ?? 0), 0);
  const keyTimes: Postmortem['keyTimes'] = {
    ...(startsAt && { alertStartsAt: startsAt }),
    start: root.startedAt,
    ...(firstChange && { firstChange }),
    ...(root.closedAt && { end: root.closedAt }),
    ...(startsAt && { timeToDetectMs: ms(startsAt, root.startedAt) }),
    ...(firstChange && { timeToActMs: ms(from, firstChange) }),
    ...(healed && root.closedAt && { timeToResolveMs: ms(from, root.closedAt) }),
    waitingForHumansMs,
    ...(root.closedAt && { durationMs: ms(root.startedAt, root.closedAt) }),
  };

  const nodes = [...nodeSeen.values()].sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.node.localeCompare(b.node));
  const followUps = buildFollowUps({ outcome, escalations, decisions, waits, failedSteps, failedNotices, stillSickAtEnd, nodes, otherFindings, rl: label.get(root)! });

  const subject = kind === 'incident' ? `${alertname ?? 'alert'} on ${target ?? 'cluster'}` : `${root.type}${target ? ` on ${target}` : ''}`;
  const title = `Postmortem draft: ${subject}${kind === 'monitor-recovery' ? ' (health monitor)' : ''}, ${root.startedAt.slice(0, 10)}`;
  const summary = summarise({ kind, root, alertname, startsAt, target, outcome, nodes, runSummaries, keyTimes, rootResult, decisions });

  return {
    workflowId: root.workflowId,
    kind,
    procedure: root.type,
    ...(target && { target }),
    title,
    summary,
    outcome,
    ...(str(input['requestedBy']) && { requestedBy: plain(input['requestedBy']) }),
    ...(alertname && startsAt && {
      alert: {
        alertname: plain(alertname, 120),
        startsAt,
        ...(str(alertIn['fingerprint']) && { fingerprint: plain(alertIn['fingerprint'], 60) }),
        repeats: Math.max(0, fired - 1),
        resolvedByAlertmanager: resolved > 0,
        labels: Object.fromEntries(Object.entries(obj(alertIn['labels'])).map(([k, v]) => [plain(k, 60), plain(v, 120)])),
      },
    }),
    impact: { nodes, ...(lowestVoters && { lowestVoters }), leaderLost, syncLost, ...(lowestAlive && { lowestAlivePeers: lowestAlive }) },
    keyTimes,
    timeline,
    automation: { runs: runSummaries, commands, failedCommands, checks, notifications },
    people: { decisions, waits, alertmanager: { fired, resolved } },
    escalations,
    followUps,
  };
}

function endOutcome(outcome: string): TimelineEntry['outcome'] {
  if (outcome === 'completed' || outcome === 'resolved') return 'ok';
  return outcome === 'escalated' ? 'escalated' : 'failed';
}

/** How a finding was corroborated (DESIGN §6 `seenBy`), whatever fields newer code adds. */
function describeSeenBy(v: unknown): string | undefined {
  const s = obj(v);
  const parts = Object.entries(s).map(([k, x]) => `${plain(k, 30)}: ${plain(x, 60)}`);
  return parts.length > 0 ? `seen by ${parts.join(', ')}` : undefined;
}

function clusterLine(c: Obj): string | undefined {
  if (Object.keys(c).length === 0) return undefined;
  const leader = c['leader_id'] === null ? 'no leader' : str(c['leader_id']) ? `leader ${plain(c['leader_id'], 80)}` : undefined;
  const parts = [
    leader,
    num(c['alive_peers']) !== undefined ? `${num(c['alive_peers'])}/${num(c['total_peers']) ?? '?'} peers alive` : undefined,
    num(c['voters_alive']) !== undefined ? `${num(c['voters_alive'])}/${num(c['voters_total']) ?? '?'} voters` : undefined,
    str(c['health']) ? `health ${plain(c['health'], 60)}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? `cluster: ${parts.join(', ')}` : undefined;
}

/** §6.2, as a reader needs it: what each view said, never the raw outputs (node text, sizes). */
function summariseBundle(run: string, b: Obj): BundleSummary {
  const ts = obj(b['tailscale']);
  const tailscale = str(ts['error'])
    ? `error: ${plain(ts['error'], 200)}`
    : Object.keys(ts).length > 0
      ? `${arr(ts['peers']).length || Object.keys(obj(ts['Peer'])).length || '?'} peer(s) listed${str(ts['backendState']) ? `, backend ${plain(ts['backendState'], 40)}` : ''}`
      : undefined;
  const view = (x: Obj): string => {
    if (str(x['error'])) return `error: ${plain(x['error'], 160)}`;
    const st = obj(x['status']);
    if (Object.keys(st).length > 0) {
      return [
        st['leader_id'] === null ? 'no leader' : str(st['leader_id']) ? `leader ${plain(st['leader_id'], 80)}` : undefined,
        num(st['alive_peers']) !== undefined ? `${num(st['alive_peers'])}/${num(st['total_peers']) ?? '?'} peers alive` : undefined,
        str(st['cluster_health']) ? `health ${plain(st['cluster_health'], 40)}` : undefined,
      ].filter(Boolean).join(', ');
    }
    if (str(x['output']) !== undefined) return `answered (${str(x['output'])!.split('\n').filter(Boolean).length} line(s))`;
    return 'no answer recorded';
  };
  return {
    run,
    reasons: arr(b['reasons']).map((x) => plain(x, 400)),
    ...(tailscale && { tailscale }),
    p2pStatus: arr(b['p2pStatus']).map(obj).map((x) => ({ node: plain(x['node'] ?? '?', 80), view: view(x) })),
    routingChecks: arr(b['routing']).length,
    recentChanges: arr(b['recentChanges']).map((x) => plain(x, 300)),
    providerStatusPages: arr(b['providerStatusPages']).map(obj).map((x) => ({ provider: plain(x['provider'] ?? '?', 40), url: plain(x['url'] ?? '', 200) })),
    tailscaleFromNodes: arr(b['tailscaleFromNodes']).map(obj).map((x) => ({ node: plain(x['node'] ?? '?', 80), view: view(x) })),
    configChanges: arr(b['configChanges']).map(obj).map((x) => ({ at: plain(x['at'] ?? '?', 40), changes: arr(x['diff']).length })),
    truncated: b['truncated'] === true,
  };
}

function buildFollowUps(o: {
  outcome: string;
  escalations: BundleSummary[];
  decisions: Decision[];
  waits: ApprovalWait[];
  failedSteps: string[];
  failedNotices: string[];
  stillSickAtEnd: string[];
  nodes: NodeImpact[];
  otherFindings: Set<string>;
  rl: string;
}): string[] {
  const out: string[] = [];
  for (const n of o.stillSickAtEnd) {
    const impact = o.nodes.find((x) => x.node === n);
    out.push(`${n} was still unhealthy at the last look (${impact?.problems.join(', ') ?? 'see the timeline'}): find out why and fix it`);
  }
  for (const n of o.nodes) {
    if (n.recoveries > 1) out.push(`${n.node} needed ${n.recoveries} recoveries: is it flapping? Find what keeps breaking it`);
  }
  for (const k of o.otherFindings) {
    if (o.outcome !== 'resolved' && o.outcome !== 'completed') out.push(`cluster-wide ${k}: confirm it is over`);
  }
  if (o.escalations.length > 0 || o.outcome === 'escalated') {
    const reasons = [...new Set(o.escalations.flatMap((e) => e.reasons))];
    out.push(`the escalation${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}: record what the person who took over did`);
  }
  for (const d of o.decisions.filter((x) => !x.approved)) {
    out.push(`${d.by} rejected "${d.step}" (${d.run})${d.comment ? `: "${d.comment}"` : ''}: decide how that is fixed instead, or change the policy`);
  }
  for (const w of o.waits.filter((x) => x.outcome === 'timed-out')) {
    out.push(`nobody decided "${w.step}" (${w.run}) in time: check that approval requests reach someone who can decide`);
  }
  for (const s of o.failedSteps) out.push(`a step failed: ${s}`);
  for (const s of o.failedNotices) out.push(`a notification did not arrive: ${s}`);
  out.push('root cause: the histories say what happened, not why; write it here');
  out.push('alerting: was the alert early enough and aimed at the right thing?');
  return out;
}

function summarise(o: {
  kind: PostmortemKind;
  root: RunRecord;
  alertname: string | undefined;
  startsAt: string | undefined;
  target: string | undefined;
  outcome: string;
  nodes: NodeImpact[];
  runSummaries: RunSummary[];
  keyTimes: Postmortem['keyTimes'];
  rootResult: Obj;
  decisions: Decision[];
}): string {
  const opened =
    o.kind === 'incident'
      ? `${o.alertname ?? 'An alert'} (target ${o.target ?? 'cluster'}) started firing at ${o.startsAt} and opened ${o.root.workflowId} at ${o.root.startedAt}.`
      : o.kind === 'monitor-recovery'
        ? `The health monitor started ${o.root.type}${o.target ? ` on ${o.target}` : ''} at ${o.root.startedAt} (${plain(str(obj(o.root.input)['requestedBy']) ?? '')}).`
        : `${o.root.type}${o.target ? ` on ${o.target}` : ''} started at ${o.root.startedAt}${str(obj(o.root.input)['requestedBy']) ? `, requested by ${plain(str(obj(o.root.input)['requestedBy']))}` : ''}.`;
  const affected = o.nodes.length > 0 ? ` Affected: ${o.nodes.map((n) => `${n.node} (${n.problems.join(', ')})`).join('; ')}.` : ' No node was found unhealthy.';
  const children = o.runSummaries.slice(1).filter((r) => r.procedure !== 'diagnose');
  const did = children.length > 0 ? ` It ran ${children.map((c) => `${c.procedure}${c.node ? ` on ${c.node}` : ''} (${c.status})`).join(', ')}.` : '';
  const people = o.decisions.length > 0 ? ` People decided ${o.decisions.length} approval(s): ${o.decisions.map((d) => `${d.by} ${d.approved ? 'approved' : 'rejected'} ${d.step}`).join(', ')}.` : '';
  const end = o.root.closedAt
    ? ` It ended ${o.outcome} at ${o.root.closedAt}, ${formatDuration(o.keyTimes.durationMs ?? 0)} after it started${str(o.rootResult['summary']) ? `: ${plain(o.rootResult['summary'], 400)}` : ''}.`
    : ' It is still running.';
  return `${opened}${affected}${did}${people}${end}`;
}

/** `950 ms`, `12.3 s`, `4 min 05 s`, `1 h 02 min`: durations as a reader says them. */
export function formatDuration(msIn: number): string {
  const sign = msIn < 0 ? '-' : '';
  const m = Math.abs(msIn);
  if (m < 1000) return `${sign}${m} ms`;
  if (m < 60_000) return `${sign}${(m / 1000).toFixed(1)} s`;
  if (m < 3_600_000) return `${sign}${Math.floor(m / 60_000)} min ${String(Math.floor((m % 60_000) / 1000)).padStart(2, '0')} s`;
  return `${sign}${Math.floor(m / 3_600_000)} h ${String(Math.floor((m % 3_600_000) / 60_000)).padStart(2, '0')} min`;
}
