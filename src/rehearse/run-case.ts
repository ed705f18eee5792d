// One rehearsal case: a fresh twin (simulator with the configured cluster's shape), a worker that
// reads only the twin's hosts file, the fault, the run (procedure, alert path or monitor) with every
// gate approved and recorded, and the verdict read off the twin. Everything it starts it stops.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { buildInput, newWorkflowId } from '../client/procedures.js';
import { monitorInput } from '../client/monitor.js';
import { startWorkflow } from '../client/start.js';
import { loadCluster } from '../config/loader.js';
import { MONITOR_WORKFLOW_ID } from '../domain/monitor.js';
import type { ProcedureResult } from '../domain/procedure-input.js';
import type { RunbookPolicy } from '../domain/policy.js';
import type { DiagnoseReport } from '../domain/report.js';
import { type Mutation, type SimulatorHandle, startSimulator } from '../sim/index.js';
import { activityDeps, watchedCluster } from '../worker/deps.js';
import { webhookApp } from '../webhook/server.js';
import { progressQuery } from '../../workflows/messages.js';
import { PROCEDURES, type ProcedureName } from '../../workflows/registry.js';
import { newOccurrence, notificationBody } from './alerts.js';
import { RehearseUsageError } from './errors.js';
import { assertLoopbackOnly } from './loopback-guard.js';
import { type ApprovalRecord, TwinObserver, type WorkflowSeen } from './observer.js';
import type { Scenario } from './scenarios.js';
import type { TwinServer } from './twin-server.js';
import type { TwinPlan } from './twin-spec.js';
import { judge, type RunStatus, type Verdict } from './verdict.js';

export interface CaseOptions {
  plan: TwinPlan;
  policy: RunbookPolicy;
  server: TwinServer;
  /** Second octet of the twin's loopback addresses. */
  subnet: number;
  sshPort: number;
  /** This case's files (twin hosts file, keys). */
  dir: string;
  /** Node for a node fault; chosen when absent. */
  node?: string;
  /** A case that has not ended (or healed, for the monitor) by then is `timed-out`. */
  timeoutMs: number;
  say: (line: string) => void;
  /** Aborted on Ctrl-C: the case stops waiting and tears down. */
  signal: AbortSignal;
}

export interface CaseResult extends Verdict {
  fault: string;
  /** Node(s) or `cluster` the fault was put on. */
  target: string;
  procedure: string;
  expect: Scenario['expect'];
  status: RunStatus;
  summary?: string;
  steps: number;
  approvals: ApprovalRecord[];
  /** Commands that changed something on the twin, in the order they arrived. */
  commands: Array<Pick<Mutation, 'node' | 'source' | 'command'>>;
  ms: number;
  workflows: WorkflowSeen[];
  /** Faults left on the twin at the end. */
  faultsAfter: string[];
}

/** After a run ends, how long the twin may take to show the fix (update-hosts: the simulator rereads its file). */
const SETTLE_MS = 15_000;

export async function runCase(sc: Scenario, label: string, o: CaseOptions): Promise<CaseResult> {
  const started = Date.now();
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    o.say(`${label}: twin starting (${o.plan.shape.nodes.length} nodes on 127.${o.subnet}.x.y)`);
    // Never the operator's real admin key: the twin gets its own.
    const adminKey = randomBytes(16).toString('hex');
    const sim = await startSimulator({
      nodes: o.plan.shape.nodes.length,
      shape: o.plan.shape,
      subnet: o.subnet,
      sshPort: o.sshPort,
      outDir: o.dir,
      adminKey,
    }).catch((err: unknown) => {
      // The simulator names the address and keeps the socket's error as the cause.
      const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
      if (e.code !== 'EADDRINUSE' && e.cause?.code !== 'EADDRINUSE') throw err;
      throw new RehearseUsageError(
        `the twin's addresses 127.${o.subnet}.x.y are taken (another rehearsal or simulator on subnet ${o.subnet}?); choose another with --subnet`,
        { cause: err },
      );
    });
    cleanups.push(() => sim.stop());
    // The guard reads the very file the worker will read, before any worker exists.
    const checked = assertLoopbackOnly(loadCluster(sim.hostsFile));
    o.say(`${label}: guard: the twin's ${checked} addresses are all in 127.0.0.0/8, Tailscale through its own socket`);
    const taskQueue = `rehearse-${randomBytes(4).toString('hex')}`;
    const slotsWorkflowId = `slots-${taskQueue}`;
    // The project's worker (createActivities over the twin's hosts file only), built here rather
    // than by createRunbookWorker so that its shutdown is bounded: Ctrl-C must not wait on a
    // long activity of a run that is being abandoned anyway.
    const worker = await Worker.create({
      connection: o.server.workerConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: o.server.workflowBundle,
      activities: createActivities(activityDeps({ hostsFile: sim.hostsFile, policy: o.policy, adminKey })),
      shutdownGraceTime: '2s',
      shutdownForceTime: '5s',
    });
    // A worker that dies leaves the case to its timeout; the error is reported, never unhandled.
    const running = worker.run().catch((err: unknown) => o.say(`${label}: worker stopped: ${String(err)}`));
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    cleanups.push(() => terminateAll(o.server));

    const target = inject(sim, sc, o.node, o.plan.backbone);
    o.say(`${label}: fault injected: ${sc.fault} on ${target}`);
    const mark = sim.cluster.mutations.length;
    const observer = new TwinObserver(o.server.client, taskQueue, o.policy, o.say);
    observer.start();
    cleanups.push(() => observer.stop());

    const run = await drive(sc, { ...o, sim, taskQueue, slotsWorkflowId, target });
    await observer.stop();
    if (run.status === 'completed') await settle(sim, o.signal);
    const after = twinAfter(sim, mark);
    const verdict = judge(sc.expect, run.status, { faults: after.faults, leader: after.leader, commands: after.commands.length });
    return {
      fault: sc.fault,
      target,
      procedure: run.procedure,
      expect: sc.expect,
      status: run.status,
      ...(run.summary !== undefined && { summary: run.summary }),
      ...verdict,
      steps: observer.stepsRan(),
      approvals: observer.approvals,
      commands: after.commands,
      ms: Date.now() - started,
      workflows: [...observer.seen.values()],
      faultsAfter: after.faults,
    };
  } finally {
    await cleanup();
  }
}

/** Puts the fault on the twin; returns where it went. */
function inject(sim: SimulatorHandle, sc: Scenario, node: string | undefined, backbone: string): string {
  if (sc.target === 'cluster') {
    sim.fault('cluster', sc.fault);
    return 'cluster';
  }
  if (sc.target === 'majority') {
    const names = majority(sim);
    for (const n of names) sim.fault(n, 'partition');
    return `${names.length} of ${sim.state().nodes.length} nodes (partition)`;
  }
  const name = node ?? defaultNode(sim, backbone);
  sim.fault(name, sc.fault);
  return name;
}

/**
 * A node whose fault touches neither quorum, the coordinator nor the backbone (whose view §4.5
 * checks reachability from): the first such node, else the last node.
 */
export function defaultNode(sim: Pick<SimulatorHandle, 'state'>, backbone: string): string {
  const s = sim.state();
  const plain = s.nodes.find((n) => n.role === 'worker' && n.name !== s.coordinator && n.name !== backbone);
  return (plain ?? s.nodes[s.nodes.length - 1]!).name;
}

/** More than half of the nodes, the coordinator last (it serves the admin API that escalation reads). */
function majority(sim: SimulatorHandle): string[] {
  const s = sim.state();
  const ordered = [...s.nodes.filter((n) => n.name !== s.coordinator), ...s.nodes.filter((n) => n.name === s.coordinator)];
  return ordered.slice(0, Math.floor(s.nodes.length / 2) + 1).map((n) => n.name);
}

interface DriveContext extends CaseOptions {
  sim: SimulatorHandle;
  taskQueue: string;
  slotsWorkflowId: string;
  target: string;
}

interface RunOutcome {
  procedure: string;
  status: RunStatus;
  summary?: string;
}

async function drive(sc: Scenario, c: DriveContext): Promise<RunOutcome> {
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

function healthy(sim: SimulatorHandle): boolean {
  const s = sim.state();
  return s.leader_id !== null && s.cluster_faults.length === 0 && s.nodes.every((n) => n.faults.length === 0);
}

/**
 * What the alert's rule sees (runbook §7, from the nodes' own /status): a leader and every node in
 * the mesh. A node only the worker cannot reach (blind-to-worker) is alive to the cluster.
 */
function clusterSeesHealthy(sim: SimulatorHandle): boolean {
  const s = sim.state();
  return s.leader_id !== null && s.cluster_faults.length === 0 && s.nodes.every((n) => n.faults.every((f) => f === 'blind-to-worker'));
}

async function settle(sim: SimulatorHandle, signal: AbortSignal): Promise<void> {
  const until = Date.now() + SETTLE_MS;
  while (!healthy(sim) && Date.now() < until && !signal.aborted) await delay(200);
}

function twinAfter(sim: SimulatorHandle, mark: number): { faults: string[]; leader: string | null; commands: CaseResult['commands'] } {
  const s = sim.state();
  return {
    faults: [...s.cluster_faults.map((f) => `cluster:${f}`), ...s.nodes.flatMap((n) => n.faults.map((f) => `${n.name}:${f}`))],
    leader: s.leader_id,
    commands: sim.cluster.mutations
      .slice(mark)
      .filter((m) => m.source !== 'control')
      .map((m) => ({ node: m.node, source: m.source, command: m.command })),
  };
}

/** Nothing of a case may outlive it on the shared server: the semaphore, a waiting incident, the monitor. */
async function terminateAll(server: TwinServer): Promise<void> {
  const ids = new Set([MONITOR_WORKFLOW_ID]);
  for await (const w of server.client.workflow.list({ query: 'ExecutionStatus = "Running"' })) ids.add(w.workflowId);
  await Promise.all([...ids].map((id) => server.client.workflow.getHandle(id).terminate('rehearsal case over').catch(() => undefined)));
}
