// One rehearsal case: a fresh twin (simulator with the configured cluster's shape), a worker that
// reads only the twin's hosts file, the fault, the run (procedure, alert path or monitor) with every
// gate approved and recorded, and the verdict read off the twin. Everything it starts it stops.
import { randomBytes } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { loadCluster } from '../config/loader.js';
import { MONITOR_WORKFLOW_ID } from '../domain/monitor.js';
import type { RunbookPolicy } from '../domain/policy.js';
import { startSimulator } from '../sim/index.js';
import { activityDeps } from '../worker/deps.js';
import { drive } from './drivers.js';
import { RehearseUsageError } from './errors.js';
import { assertLoopbackOnly } from './loopback-guard.js';
import { type ApprovalRecord, TwinObserver, type WorkflowSeen } from './observer.js';
import type { Scenario } from './scenarios.js';
import type { TwinServer } from './twin-server.js';
import type { TwinPlan } from './twin-spec.js';
import { inject, settle, type TwinCommand, twinAfter } from './twin-state.js';
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
  commands: TwinCommand[];
  ms: number;
  workflows: WorkflowSeen[];
  /** Faults left on the twin at the end. */
  faultsAfter: string[];
}

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
      ports: o.plan.ports,
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

/** Nothing of a case may outlive it on the shared server: the semaphore, a waiting incident, the monitor. */
async function terminateAll(server: TwinServer): Promise<void> {
  const ids = new Set([MONITOR_WORKFLOW_ID]);
  for await (const w of server.client.workflow.list({ query: 'ExecutionStatus = "Running"' })) ids.add(w.workflowId);
  await Promise.all([...ids].map((id) => server.client.workflow.getHandle(id).terminate('rehearsal case over').catch(() => undefined)));
}
