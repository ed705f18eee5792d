// connectivity-incident (DESIGN §9, runbook §1–§7): one alert occurrence, one durable incident.
// Diagnose (§3); escalate at once when §6.1 holds; else run the routed procedure, then what the
// findings recommend, as child workflows (each under its own approval gates, the blast radius
// and the per-node slot); re-diagnose; at most `maxRounds` rounds; finish resolved or escalated
// with the §6.2 bundle. Alertmanager's repeats join by signal; its `resolved` asks for a last
// diagnose and the end.
import { condition, executeChild, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AlertRef, IncidentChild, IncidentDetails, JoinedOccurrence } from '../src/domain/incident.js';
import { CLUSTER_TARGET } from '../src/domain/incident.js';
import type { IncidentMode, RoutableProcedure } from '../src/domain/alert-routing.js';
import { INCIDENT_DEFAULTS } from '../src/domain/alert-routing.js';
import { capNodeText, escapeMarkdown } from '../src/domain/node-text.js';
import { startDetails } from '../src/domain/start-details.js';
import type { ProcedureResult } from '../src/domain/procedure-input.js';
import type { DiagnoseReport, Finding } from '../src/domain/report.js';
import type { DiagnoseInput } from './diagnose.js';
import { alertResolvedSignal, alertSignal } from './messages.js';
import type { RecoveryInput } from './recovery-input.js';
import { errorText } from './runtime/error-text.js';
import { gatherEscalation } from './runtime/escalation.js';
import { notifyEscalation } from './runtime/notify-escalation.js';
import { EscalationRequired, ProcedureRun } from './runtime/procedure.js';
import { waitForOtherOwner } from './runtime/node-owner.js';
import { recoveryOptions } from './recovery-input.js';

export interface IncidentInput extends RecoveryInput, Omit<DiagnoseInput, keyof RecoveryInput> {
  /** The alert occurrence that opened the incident. */
  alert: AlertRef;
  /** What the alert is routed to (config/runbook.yaml `alerts:`). */
  procedure: RoutableProcedure;
  mode: IncidentMode;
  /** A node name (validated against the hosts file by the webhook) or `cluster`. */
  target: string;
  maxRounds?: number;
  resolveWaitMs?: number;
  /** Web UI base URL, for the children's links. */
  uiUrl?: string;
  /** Procedure-specific knobs handed to every child as they are (e.g. stageVerifyMs). */
  childOptions?: Record<string, unknown>;
  /**
   * Set by the webhook for a run under an ID that may have had runs before (the open cluster
   * incident, a follow-up run): children are named after this run, never after an earlier one's.
   */
  runScopedChildIds?: boolean;
  /**
   * A follow-up run (the alert still fired after an earlier run ended healthy): it looks first,
   * and runs only what its diagnose recommends, not the routed procedure regardless.
   */
  followUp?: boolean;
}

/**
 * patched() id: further alert occurrences join the incident. A new occurrence (another
 * fingerprint or startsAt) is listed in the details and progress and makes the incident look
 * again (a diagnose round) before it may finish; Alertmanager's `resolved` counts once every
 * occurrence it holds resolved. Histories recorded before it took every signal as a repeat.
 */
export const INCIDENT_JOINS = 'incident-joined-occurrences';

type Plan = Array<{ procedure: string; node?: string }>;

export async function connectivityIncident(input: IncidentInput): Promise<ProcedureResult<IncidentDetails>> {
  // `shared` is what every child gets: dry run, approval policy, blast radius, diagnose knobs.
  const { alert, procedure: routed, mode, target, uiUrl, childOptions, runScopedChildIds, followUp, node: _ignored, ...shared } = input;
  const maxRounds = Math.max(1, input.maxRounds ?? INCIDENT_DEFAULTS.maxRounds);
  const resolveWaitMs = input.resolveWaitMs ?? INCIDENT_DEFAULTS.resolveWaitMs;
  const node = target === CLUSTER_TARGET ? undefined : target;
  const details: IncidentDetails = {
    outcome: 'escalated',
    alertname: alert.alertname,
    target,
    mode,
    rounds: 0,
    repeats: 0,
    resolvedByAlertmanager: false,
    children: [],
  };
  const joins = patched(INCIDENT_JOINS);
  /** Every occurrence this incident holds (the opening one first), and whether it resolved. */
  const occurrences = new Map<string, { resolved: boolean }>([[occurrenceKey(alert), { resolved: false }]]);
  /** A new occurrence joined since the last diagnose started: look again before finishing. */
  let lookAgain = false;
  let showJoined = (): void => undefined;
  // Set before the first await: signal-with-start delivers the first signal with the start.
  setHandler(alertSignal, (a) => {
    details.repeats++;
    if (!joins || !isAlertRef(a)) return;
    const key = occurrenceKey(a);
    if (occurrences.has(key)) return;
    occurrences.set(key, { resolved: false });
    // Capped: a signal may come from any client, and this is kept in the details.
    const joined: JoinedOccurrence = {
      alertname: capNodeText(a.alertname),
      fingerprint: capNodeText(a.fingerprint, 64),
      startsAt: capNodeText(a.startsAt, 64),
      ...(a.node !== undefined && { node: capNodeText(a.node) }),
      round: details.rounds + 1,
    };
    (details.joined ??= []).push(joined);
    // A firing occurrence Alertmanager has not resolved: the incident is not resolved by it.
    details.resolvedByAlertmanager = false;
    lookAgain = true;
    showJoined();
  });
  setHandler(alertResolvedSignal, (a) => {
    if (!joins) {
      details.resolvedByAlertmanager = true;
      return;
    }
    // Only the occurrences it holds count: the cluster incident hears every cluster alert's
    // `resolved`, also of occurrences an earlier run held.
    const held = isAlertRef(a) ? occurrences.get(occurrenceKey(a)) : undefined;
    if (held === undefined) return;
    held.resolved = true;
    details.resolvedByAlertmanager = [...occurrences.values()].every((o) => o.resolved);
  });
  const run = new ProcedureRun('connectivity-incident', { ...shared, ...(node !== undefined && { node }) });
  run.progress.children = details.children;
  const { workflowId, namespace, runId } = workflowInfo();
  showJoined = () => {
    run.progress.joined = details.joined;
    showChildren(run, details.children, details.joined);
  };
  if (details.joined !== undefined) showJoined();

  const track = (child: IncidentChild): IncidentChild => {
    details.children.push(child);
    showChildren(run, details.children, details.joined);
    return child;
  };
  const childId = (label: string): string => `${workflowId}${runScopedChildIds === true && joins ? `-${runId.slice(0, 8)}` : ''}--${label}`;
  const link = (id: string): string | undefined =>
    uiUrl ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(id)}` : undefined;

  /** A child's Web UI details: what it is, and this incident with its link, to find the parent. */
  const childDetails = (procedure: string, childNode: string | undefined): string => {
    const url = link(workflowId);
    return startDetails({
      workflow: procedure,
      ...(childNode !== undefined && { node: childNode }),
      requestedBy: `incident ${workflowId}`,
      parent: { kind: 'incident', workflowId, ...(url !== undefined && { url }) },
    });
  };

  /** §3 as a child workflow, so its own progress and history stay one click away. */
  const diagnoseNow = async (label: string, round: number): Promise<DiagnoseReport> => {
    const id = childId(label);
    const url = link(id);
    const child = track({ workflowId: id, procedure: 'diagnose', round, status: 'running', ...(url && { url }) });
    const diagnoseInput: DiagnoseInput = { ...shared, requestedBy: `incident ${workflowId}` };
    const report = await run.step(label, () =>
      executeChild('diagnose', {
        workflowId: id,
        args: [diagnoseInput],
        staticSummary: `diagnose for incident ${workflowId}`,
        staticDetails: childDetails('diagnose', undefined),
      }),
    ) as DiagnoseReport;
    child.status = report.escalate.needed ? 'escalated' : 'completed';
    child.summary = `${report.findings.length} finding(s)`;
    run.note(label, describeFindings(report.findings));
    showChildren(run, details.children, details.joined);
    return report;
  };

  /** One recovery procedure as a child; its approvals are asked on the child itself. */
  const runChild = async (step: Plan[number], round: number): Promise<ProcedureResult> => {
    const label = `${step.procedure}${step.node ? ` on ${step.node}` : ''} (round ${round})`;
    const id = childId(`r${round}-${step.procedure}${step.node ? `-${step.node}` : ''}`);
    const url = link(id);
    // §11 one owner per node: the monitor's recovery or a CLI run on this node finishes first.
    if (step.node !== undefined) await waitForOtherOwner(run, label, step.node, recoveryOptions(input).slotWaitMs);
    const child = track({ workflowId: id, procedure: step.procedure, ...(step.node && { node: step.node }), round, status: 'running', ...(url && { url }) });
    try {
      const result = (await run.step(label, () =>
        executeChild(step.procedure, {
          workflowId: id,
          // notify: false — the incident pages once for all of its children (§6).
          args: [{ ...shared, ...childOptions, ...(step.node !== undefined && { node: step.node }), requestedBy: `incident ${workflowId}`, notify: false }],
          staticSummary: `${label} for incident ${workflowId}`,
          staticDetails: childDetails(step.procedure, step.node),
        }),
      { detail: url ?? id })) as ProcedureResult;
      child.status = result.status;
      child.summary = result.summary;
      run.note(label, `${result.status}: ${result.summary}`);
      return result;
    } catch (err) {
      child.status = 'failed';
      child.summary = errorText(err);
      throw new EscalationRequired([`${label} failed: ${errorText(err)}`]);
    } finally {
      showChildren(run, details.children, details.joined);
    }
  };

  const incident = async (): Promise<ProcedureResult<IncidentDetails>> => {
    let routedDone = routed === 'connectivity-incident' || (followUp === true && joins);
    let verifications = 0;
    let looks = 0;
    /** The next diagnose is a look at occurrences that joined while the incident was healthy. */
    let joinedLook = false;
    for (;;) {
      const verifying = details.resolvedByAlertmanager;
      const label = verifying ? `verify (diagnose ${++verifications})` : joinedLook ? `look again (diagnose ${++looks})` : `diagnose (round ${details.rounds + 1})`;
      // Occurrences joining from here on arrive after this diagnose began: they get another.
      lookAgain = false;
      joinedLook = false;
      const report = await diagnoseNow(label, details.rounds + 1);
      // §6.1: more than half unreachable, leaderless too long, sync stalled, one provider down.
      if (report.escalate.needed) throw new EscalationRequired(report.escalate.reasons);
      // §11: a node only the worker cannot reach is reported (in the diagnose child), never remediated.
      const relevant = report.findings.filter((f) => f.kind !== 'unreachable-from-worker' && (node === undefined || f.node === undefined || f.node === node));
      // §7 ClusterHealthCritical: a human decides; nothing is changed.
      if (mode === 'escalate-only') {
        throw new EscalationRequired([`${alert.alertname}: escalate-only (§7); diagnose found ${describeFindings(report.findings)}`]);
      }
      if (relevant.length === 0 && routedDone) {
        // An occurrence joined while this diagnose ran: it may name what this look missed.
        if (joins && lookAgain) {
          joinedLook = true;
          continue;
        }
        if (details.resolvedByAlertmanager) {
          return finish(`resolved: Alertmanager resolved ${alert.alertname} and diagnose confirms ${target} healthy`);
        }
        // Healthy by our probes: Alertmanager's `resolved` is the second opinion; waiting on it
        // is bounded so a lost notification never keeps an incident open for ever.
        const heard = await run.step('wait for resolved', () => condition(() => details.resolvedByAlertmanager || (joins && lookAgain), resolveWaitMs, { summary: "§7 wait for Alertmanager's resolved" }), {
          detail: `healthy; waiting up to ${Math.round(resolveWaitMs / 1000)} s for Alertmanager's resolved`,
        });
        if (joins && lookAgain) {
          const last = details.joined?.at(-1);
          run.note('wait for resolved', `${last ? `${last.alertname}${last.node ? ` on ${last.node}` : ''} joined` : 'an alert joined'}: looking again`);
          joinedLook = true;
          continue;
        }
        if (heard) {
          run.note('wait for resolved', 'Alertmanager sent resolved: verifying');
          continue;
        }
        return finish(`resolved: ${target} healthy; Alertmanager sent no resolved within ${Math.round(resolveWaitMs / 60_000)} min`);
      }
      if (details.rounds >= maxRounds) {
        throw new EscalationRequired([`still ${describeFindings(relevant)} after ${maxRounds} round(s) of remediation`]);
      }
      const plan: Plan = routedDone ? recommendedFor(report, relevant) : [{ procedure: routed, ...(node !== undefined && { node }) }];
      routedDone = true;
      if (plan.length === 0) throw new EscalationRequired([`no procedure fixes ${describeFindings(relevant)}`]);
      details.rounds++;
      const results = await Promise.all(plan.map((p) => runChild(p, details.rounds)));
      const escalated = results.filter((r) => r.status === 'escalated');
      if (escalated.length > 0) {
        throw new EscalationRequired(escalated.flatMap((r) => (r.escalation?.reasons ?? [r.summary]).map((x) => `${r.procedure}${r.node ? ` on ${r.node}` : ''}: ${x}`)));
      }
    }
  };

  const finish = (summary: string): ProcedureResult<IncidentDetails> => {
    details.outcome = 'resolved';
    return run.complete(summary, details);
  };

  let result: ProcedureResult<IncidentDetails>;
  try {
    result = await incident();
  } catch (err) {
    if (!(err instanceof EscalationRequired)) {
      run.fail();
      throw err;
    }
    details.outcome = 'escalated';
    const bundle = { ...(await gatherEscalation(err.reasons, run.progress, node !== undefined ? [node] : [])), reasons: err.reasons };
    // §6: one page per incident, its workflow ID the dedup key (the children were told not to).
    await notifyEscalation(run as unknown as ProcedureRun<'notify'>, 'connectivity-incident', { ...input, ...(node !== undefined && { node }) }, bundle);
    result = run.escalate(err.message, bundle, details);
  }
  announce(result);
  return result;
}

/** The worker log's line for the incident's end; an escalation has paged (notifyEscalation) before. */
function announce(result: ProcedureResult<IncidentDetails>): void {
  log.info('incident finished', { outcome: result.details?.outcome, summary: result.summary });
}

function recommendedFor(report: DiagnoseReport, relevant: Finding[]): Plan {
  const wanted = new Set(relevant.map((f) => `${f.kind}|${f.node ?? ''}`));
  const seen = new Set<string>();
  const plan: Plan = [];
  for (const r of report.recommended) {
    if (!wanted.has(`${r.reason}|${r.node ?? ''}`)) continue;
    const key = `${r.procedure}|${r.node ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    plan.push({ procedure: r.procedure, ...(r.node !== undefined && { node: r.node }) });
  }
  return plan;
}

function describeFindings(findings: Finding[]): string {
  if (findings.length === 0) return 'no findings (healthy)';
  return findings.map((f) => `${f.kind}${f.node ? ` on ${f.node}` : ''}`).join(', ');
}

/** One occurrence: its fingerprint and startsAt (Alertmanager keeps both across repeats). */
function occurrenceKey(a: AlertRef): string {
  return `${a.fingerprint}|${a.startsAt}`;
}

/** A signal may come from any client: only a well-formed occurrence joins. */
function isAlertRef(a: unknown): a is AlertRef {
  const r = a as Partial<AlertRef> | null;
  return typeof r?.alertname === 'string' && typeof r.fingerprint === 'string' && typeof r.startsAt === 'string' && (r.node === undefined || typeof r.node === 'string');
}

/** The Web UI's current details list each child with its status and a link, and who joined. */
function showChildren(run: ProcedureRun, children: IncidentChild[], joined: JoinedOccurrence[] = []): void {
  const lines = children.map((c) => {
    const name = escapeMarkdown(`${c.procedure}${c.node ? ` on ${c.node}` : ''} (round ${c.round})`);
    const what = c.url ? `[${name}](${c.url})` : `${name} \`${c.workflowId}\``;
    return `- \`${c.status}\` ${what}${c.summary ? `: ${escapeMarkdown(c.summary)}` : ''}`;
  });
  const joins = joined.map((j) => `- ${escapeMarkdown(`${j.alertname}${j.node ? ` on ${j.node}` : ''}, startsAt ${j.startsAt}`)} (from round ${j.round})`);
  const parts = [
    ...(lines.length > 0 ? [`**Child workflows**\n${lines.join('\n')}`] : []),
    ...(joins.length > 0 ? [`**Alerts joined**\n${joins.join('\n')}`] : []),
  ];
  run.setAppendix(parts.join('\n\n'));
}
