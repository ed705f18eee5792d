// health-monitor's branch logic on the time-skipping server (STYLE §18): the real monitor with a
// scripted heartbeat sweep and stand-ins for the procedures it starts
// (test/fixtures/monitor-workflows.ts). Minutes and a whole day pass at once.
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkflow } from '../../src/client/start.js';
import type { HeartbeatSweep } from '../../src/domain/heartbeat.js';
import type { MonitorInput } from '../../src/domain/monitor.js';
import type { NotifyInput, NotifyResult } from '../../src/domain/notification.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import type { ChildPlan, ChildReport } from '../fixtures/monitor-workflows.js';
import { startTimeSkippingEnv, uniqueId } from '../helpers/temporal-env.js';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
const noop = (): void => undefined;

beforeAll(async () => {
  [env, bundle] = await Promise.all([
    startTimeSkippingEnv(),
    bundleWorkflowCode({
      workflowsPath: join(import.meta.dirname, '..', 'fixtures', 'monitor-workflows.ts'),
      logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
    }),
  ]);
});
afterAll(async () => {
  await env?.teardown();
});

const NODES = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'];

interface Script {
  /** The sweep of heartbeat `cycle` (1-based). */
  sweep: (cycle: number) => Omit<HeartbeatSweep, 'total' | 'answered'> & { answered?: number };
  /** How a started procedure ends. */
  child?: (r: ChildReport, n: number) => ChildPlan;
}

interface Recorded {
  children: Array<{ start: ChildReport; end?: ChildReport }>;
  notifications: NotifyInput[];
  cycles: number;
}

async function runMonitor(input: MonitorInput, script: Script): Promise<{ result: ProcedureResult; rec: Recorded; workflowId: string; firstRunId: string }> {
  const rec: Recorded = { children: [], notifications: [], cycles: 0 };
  const taskQueue = uniqueId('monitor-ts-q');
  const ok = { ok: false as const, error: 'not in this test' };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: {
      async heartbeatSweep(): Promise<HeartbeatSweep> {
        const s = script.sweep(++rec.cycles);
        return { total: NODES.length, answered: s.answered ?? NODES.length - s.missed.length, ...s };
      },
      async notify(n: NotifyInput): Promise<NotifyResult> {
        rec.notifications.push(n);
        return { dedupKey: n.dedupKey, action: n.action, sentAt: new Date().toISOString(), deliveries: [{ target: 'log', kind: 'log', ok: true, attempts: 1 }] };
      },
      async childStarted(r: ChildReport): Promise<ChildPlan> {
        rec.children.push({ start: r });
        return script.child?.(r, rec.children.filter((c) => c.start.type === r.type).length) ?? { status: 'completed', summary: 'done', takeMs: 0 };
      },
      async childEnded(r: ChildReport): Promise<void> {
        const open = rec.children.find((c) => c.start.type === r.type && c.start.node === r.node && c.end === undefined);
        if (open) open.end = r;
      },
      // What gatherEscalation asks for when the monitor escalates without a child's bundle.
      clusterInfo: async () => ({ nodes: [], backbone: 'n0', coordinator: 'n0', voters: [] }),
      tailscaleStatus: async () => {
        throw new Error('no tailscale in this test');
      },
      p2pStatus: async () => ok,
      routingChecks: async () => [],
      sshRun: async () => {
        throw new Error('no ssh in this test');
      },
      recentConfigChanges: async () => [],
    },
  });
  const workflowId = uniqueId('health-monitor-ts');
  return worker.runUntil(async () => {
    const h = await startWorkflow(env.client, 'health-monitor', { taskQueue, workflowId, input });
    const result = (await h.result()) as ProcedureResult;
    return { result, rec, workflowId, firstRunId: h.firstExecutionRunId };
  });
}

const healthy = (): { missed: HeartbeatSweep['missed']; leader: string } => ({ missed: [], leader: 'n0' });

describe('health-monitor (time-skipping)', () => {
  it('starts recover-node at exactly failure_threshold misses, not one earlier', async () => {
    let recovered = false;
    const { rec } = await runMonitor(
      { heartbeatIntervalMs: 5_000, failureThreshold: 3, maxCycles: 16 },
      {
        sweep: (c) => ({
          leader: 'n0',
          missed: [
            // n1 misses two beats (threshold - 1) and answers again: no recovery.
            ...(c === 2 || c === 3 ? [{ node: 'n1', kind: 'p2p-down' as const }] : []),
            // n2 misses from beat 6 on until its recovery has run.
            ...(c >= 6 && !recovered ? [{ node: 'n2', kind: 'p2p-down' as const }] : []),
          ],
        }),
        child: () => {
          recovered = true;
          return { status: 'completed', summary: 'rejoined', takeMs: 0 };
        },
      },
    );
    expect(rec.children.map((c) => [c.start.type, c.start.node])).toEqual([['recover-node', 'n2']]);
    // The monitor hands its reason to the child: exactly three misses when it started.
    expect(rec.children[0]!.start.requestedBy).toBe('runbook-health-monitor: 3 missed heartbeats (p2p-down)');
    // The monitor notifies itself, so its children do not.
    expect(rec.children[0]!.start.notify).toBe(false);
    expect(rec.notifications).toEqual([]);
  });

  it('never runs two recoveries of one node, waits recovery_backoff between attempts, escalates once after the limit, resolves when healed', async () => {
    const interval = 5_000;
    const backoff = 30_000;
    const healAt = 60;
    const { rec } = await runMonitor(
      { heartbeatIntervalMs: interval, failureThreshold: 3, recoveryBackoffMs: backoff, maxRecoveryAttempts: 3, maxCycles: 70 },
      {
        sweep: (c) => ({ leader: 'n0', missed: c < healAt ? [{ node: 'n3', kind: 'host-down' }] : [] }),
        // Each attempt outlasts several heartbeats, and escalates (a host that is down).
        child: () => ({ status: 'escalated', summary: 'n3 answers on no address (host down)', takeMs: 4 * interval }),
      },
    );
    const runs = rec.children.filter((c) => c.start.type === 'recover-node');
    expect(runs).toHaveLength(3);
    for (let i = 1; i < runs.length; i++) {
      const prevEnd = runs[i - 1]!.end!.at;
      // Never two at once, and the backoff between the end of one and the start of the next.
      expect(runs[i]!.start.at - prevEnd).toBeGreaterThanOrEqual(backoff);
    }
    const triggers = rec.notifications.filter((n) => n.action === 'trigger');
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.source).toBe('n3');
    expect(triggers[0]!.summary).toMatch(/n3 missed \d+ heartbeats \(host-down\); 3 recover-node attempt\(s\)/);
    // The page carries the last attempt's §6.2 bundle.
    expect(triggers[0]!.bundle?.reasons).toContain('n3 answers on no address (host down)');
    expect(triggers[0]!.bundle?.providerStatusPages).toEqual([{ provider: 'runpod', url: 'https://uptime.runpod.io' }]);
    const resolves = rec.notifications.filter((n) => n.action === 'resolve');
    expect(resolves.map((n) => n.dedupKey)).toEqual([triggers[0]!.dedupKey]);
  });

  it('escalates a cluster leaderless past the §6.1 limit, after trying force-election', async () => {
    const { rec } = await runMonitor(
      { heartbeatIntervalMs: 5_000, failureThreshold: 3, leaderlessMs: 60_000, recoveryBackoffMs: 10_000, maxRecoveryAttempts: 2, maxCycles: 20 },
      {
        sweep: () => ({ leader: null, missed: [] }),
        child: () => ({ status: 'escalated', summary: 'no leader after the election', takeMs: 5_000 }),
      },
    );
    const elections = rec.children.filter((c) => c.start.type === 'force-election');
    expect(elections.length).toBeGreaterThanOrEqual(1);
    expect(elections.length).toBeLessThanOrEqual(2);
    expect(elections[0]!.start.requestedBy).toBe('runbook-health-monitor: no leader for 3 heartbeats');
    const triggers = rec.notifications.filter((n) => n.action === 'trigger');
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.source).toBe('cluster');
    expect(triggers[0]!.summary).toMatch(/no leader for \d+ s \(limit 60 s\)/);
    expect(triggers[0]!.dedupKey).toMatch(/^runbook-health-monitor:leaderless:/);
  });

  it('does not escalate a leaderless spell shorter than the limit', async () => {
    const { rec } = await runMonitor(
      { heartbeatIntervalMs: 5_000, failureThreshold: 3, leaderlessMs: 60_000, remediateCluster: false, maxCycles: 20 },
      { sweep: (c) => ({ leader: c >= 3 && c <= 12 ? null : 'n0', missed: [] }) },
    );
    expect(rec.notifications).toEqual([]);
    expect(rec.children).toEqual([]);
  });

  it('keeps a simulated day of monitoring bounded through continue-as-new', { timeout: 600_000 }, async () => {
    // A 2-minute heartbeat keeps the day at 720 cycles (a minute of real time); the bound per run
    // is what matters, and it does not depend on the interval.
    const interval = 120_000;
    const cyclesPerRun = 60;
    const day = (24 * 3_600_000) / interval;
    const { result, rec, workflowId, firstRunId } = await runMonitor(
      { heartbeatIntervalMs: interval, cyclesPerRun, maxCycles: day },
      { sweep: (c) => ({ ...healthy(), missed: c % 100 === 0 ? [{ node: 'n5', kind: 'p2p-down' }] : [] }) },
    );
    expect(result.summary).toMatch(new RegExp(`stopped after ${day} heartbeat`));
    expect(rec.cycles).toBe(day);
    const lengthOf = async (runId?: string): Promise<number> =>
      ((await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? []).length;
    // Each run holds at most its quota of cycles: about 10 events each, plus start and end.
    const bound = cyclesPerRun * 12 + 50;
    const first = await lengthOf(firstRunId);
    const last = await lengthOf();
    expect(first).toBeGreaterThan(cyclesPerRun * 5);
    expect(first).toBeLessThanOrEqual(bound);
    expect(last).toBeLessThanOrEqual(bound);
    const desc = await env.client.workflow.getHandle(workflowId).describe();
    expect(desc.runId).not.toBe(firstRunId);
  });
});
