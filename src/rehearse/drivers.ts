// What starts the work on a twin, and how its end is read: a procedure as `runbook run` starts
// it, the alert path through the webhook's own app (routing, incident, `resolved` once the cluster
// looks healthy), or the health monitor left to notice the fault by itself.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { buildInput, newWorkflowId } from '../client/procedures.js';
import { monitorInput } from '../client/monitor.js';
import { startWorkflow } from '../client/start.js';
import { MONITOR_WORKFLOW_ID } from '../domain/monitor.js';
import type { ProcedureResult } from '../domain/procedure-input.js';
import type { DiagnoseReport } from '../domain/report.js';
import type { SimulatorHandle } from '../sim/index.js';
import { watchedCluster } from '../worker/deps.js';
import { webhookApp } from '../webhook/server.js';
import { progressQuery } from '../../workflows/messages.js';
import { PROCEDURES, type ProcedureName } from '../../workflows/registry.js';
import { newOccurrence, notificationBody } from './alerts.js';
import type { CaseOptions } from './run-case.js';
import type { Scenario } from './scenarios.js';
import { clusterSeesHealthy, defaultNode, healthy } from './twin-state.js';
import type { RunStatus } from './verdict.js';

export interface DriveContext extends CaseOptions {
  sim: SimulatorHandle;
  taskQueue: string;
  slotsWorkflowId: string;
  target: string;
}

export interface RunOutcome {
  procedure: string;
  status: RunStatus;
  summary?: string;
}

export async function drive(sc: Scenario, c: DriveContext): Promise<RunOutcome> {
  const d = sc.driver;
  const node = sc.target === 'node' ? c.target : undefined;
  if (d.kind === 'procedure') {
    // A node procedure acts on the faulty node, or (against a cluster fault) the named or a plain
    // one; a cluster procedure (diagnose, force-election, …) is given no node, as `runbook run` does.
    const actOn = PROCEDURES[d.procedure].needsNode ? (node ?? c.node ?? defaultNode(c.sim, c.plan.backbone)) : undefined;
    return { procedure: d.procedure, ...(await driveProcedure(d.procedure, actOn, c)) };
  }
  if (d.kind === 'incident') return driveIncident(d.alertname, node, c);
  return driveMonitor(c);
}

async function driveProcedure(procedure: ProcedureName, node: string | undefined, c: DriveContext): Promise<Omit<RunOutcome, 'procedure'>> {
  const input = {
    ...buildInput(c.policy, { ...(node !== undefined && { node }), requestedBy: 'rehearsal' }),
    slotsWorkflowId: c.slotsWorkflowId,
  };
  const h = await startWorkflow(c.server.client, procedure, {
    taskQueue: c.taskQueue,
    workflowId: newWorkflowId(procedure, node, Date.now()),
    input,
    summary: `rehearsal of ${procedure}${node !== undefined ? ` on ${node}` : ''} on a twin`,
  });
  return resultWithin(h, c);
}

/** The alert path: the webhook's own app (routing, incident start) in process, no socket. */
async function driveIncident(alertname: string, node: string | undefined, c: DriveContext): Promise<RunOutcome> {
  const token = randomBytes(16).toString('hex');
  const route = c.policy.alerts[alertname]!;
  const { app } = webhookApp({
    client: c.server.client,
    taskQueue: c.taskQueue,
    cluster: watchedCluster(c.sim.hostsFile),
    policy: c.policy,
    token,
    uiUrl: c.server.uiUrl,
    inputExtras: { slotsWorkflowId: c.slotsWorkflowId },
  });
  // A node label only for routes that act on one node; the incident diagnoses the cluster itself.
  const occurrence = newOccurrence(alertname, route.procedure === 'connectivity-incident' ? undefined : node, route.nodeLabel);
  const post = async (status: 'firing' | 'resolved'): Promise<{ workflowId?: string; action: string; reason?: string }> => {
    const res = await app.request('/alerts/alertmanager', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: notificationBody(occurrence, status),
    });
    const body = (await res.json()) as { accepted?: Array<{ workflowId?: string; action: string; reason?: string }>; error?: string };
    if (res.status !== 202 || body.accepted?.[0] === undefined) throw new Error(`the webhook answered ${res.status}: ${body.error ?? JSON.stringify(body)}`);
    return body.accepted[0];
  };
  const fired = await post('firing');
  c.say(`  alert ${alertname} → ${fired.action}${fired.workflowId !== undefined ? ` ${fired.workflowId}` : ''}${fired.reason !== undefined ? ` (${fired.reason})` : ''}`);
  if (fired.workflowId === undefined) return { procedure: route.procedure, status: 'failed', summary: `alert ${fired.action}: ${fired.reason ?? ''}` };
  const h = c.server.client.workflow.getHandle<(i: unknown) => Promise<ProcedureResult>>(fired.workflowId);
  // Alertmanager sends `resolved` once the alert clears: here, once the cluster itself looks healthy.
  let resolvedSent = false;
  const resolver = async (): Promise<void> => {
    while (!resolvedSent && !c.signal.aborted) {
      await delay(500);
      const p = await h.query(progressQuery).catch(() => undefined);
      if (p === undefined || p.status !== 'running') continue;
      const waiting = p.steps.some((s) => s.name === 'wait for resolved' && s.state === 'running');
      if (waiting && clusterSeesHealthy(c.sim)) {
        resolvedSent = true;
        const r = await post('resolved');
        c.say(`  alert ${alertname} resolved → ${r.action}`);
      }
    }
  };
  const resolving = resolver().catch(() => undefined);
  try {
    return { procedure: `incident ${alertname}`, ...(await resultWithin(h, c)) };
  } finally {
    resolvedSent = true;
    await resolving;
  }
}

/** The monitor notices by itself: it runs until the twin is healthy again, then is asked to stop. */
async function driveMonitor(c: DriveContext): Promise<RunOutcome> {
  const base = monitorInput(c.policy);
  const h = await startWorkflow(c.server.client, 'health-monitor', {
    taskQueue: c.taskQueue,
    workflowId: MONITOR_WORKFLOW_ID,
    input: { ...base, childInput: { ...base.childInput, slotsWorkflowId: c.slotsWorkflowId } },
    summary: 'health monitor on a twin (rehearsal)',
  });
  const deadline = Date.now() + c.timeoutMs;
  while (Date.now() < deadline && !c.signal.aborted) {
    if (healthy(c.sim)) return { procedure: 'health-monitor', status: 'completed', summary: 'the monitor noticed and the twin is healthy again' };
    const p = await h.query(progressQuery).catch(() => undefined);
    if (p !== undefined && (p.status === 'escalated' || p.status === 'failed')) return { procedure: 'health-monitor', status: p.status };
    await delay(250);
  }
  return { procedure: 'health-monitor', status: 'timed-out', summary: `the twin was not healthy within ${Math.round(c.timeoutMs / 1000)} s` };
}

async function resultWithin(h: WorkflowHandle, c: CaseOptions): Promise<Omit<RunOutcome, 'procedure'>> {
  const timeout = AbortSignal.any([c.signal, AbortSignal.timeout(c.timeoutMs)]);
  // Ctrl-C may have come while the twin was starting: an aborted signal fires no more events.
  const ended = new Promise<'timed-out'>((resolve) => {
    if (timeout.aborted) resolve('timed-out');
    else timeout.addEventListener('abort', () => resolve('timed-out'), { once: true });
  });
  const r = await Promise.race([h.result() as Promise<ProcedureResult | DiagnoseReport>, ended]);
  if (r === 'timed-out') return { status: 'timed-out', summary: c.signal.aborted ? 'interrupted' : `no result within ${Math.round(c.timeoutMs / 1000)} s` };
  if ('findings' in r) {
    // diagnose answers with its report (DESIGN §6): it escalates or it does not.
    const found = r.findings.map((f) => `${f.kind}${f.node !== undefined ? ` on ${f.node}` : ''}`);
    return { status: r.escalate.needed ? 'escalated' : 'completed', summary: `findings: ${found.join(', ') || 'none'}${r.escalate.needed ? `; escalate: ${r.escalate.reasons.join('; ')}` : ''}` };
  }
  return { status: r.status, summary: r.summary };
}
