// health-monitor's branch logic on the time-skipping server (STYLE §18): the real monitor with a
// scripted heartbeat sweep and stand-ins for the procedures it starts
// (test/fixtures/monitor-workflows.ts). Minutes and a whole day pass at once.
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkflow } from '../../src/client/start.js';
import type { HeartbeatSweep } from '../../src/domain/heartbeat.js';
import type { MonitorInput, MonitorProgress } from '../../src/domain/monitor.js';
import { progressQuery, resumeNodeSignal } from '../../workflows/messages.js';
import type { NotifyInput, NotifyResult } from '../../src/domain/notification.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import type { ChildPlan, ChildReport } from '../fixtures/monitor-workflows.js';
import type { NodeOwner } from '../../activities/procedure-owners.js';
import type { WorkflowHandle } from '@temporalio/client';
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

type Sweep = Omit<HeartbeatSweep, 'total' | 'answered'> & { answered?: number };

interface Script {
  /** The sweep of heartbeat `cycle` (1-based). */
  sweep: (cycle: number, monitor: WorkflowHandle, rec: Recorded) => Sweep | Promise<Sweep>;
  /** How a started procedure ends. */
  child?: (r: ChildReport, n: number) => ChildPlan;
  /** Other procedures open on a node (default none). */
  owners?: (node: string) => NodeOwner[];
}

interface Recorded {
  /** Each procedure the monitor started, with the heartbeat it was started after. */
  children: Array<{ start: ChildReport; end?: ChildReport; cycle: number }>;
  notifications: NotifyInput[];
  cycles: number;
}

async function runMonitor(input: MonitorInput, script: Script): Promise<{ result: ProcedureResult; rec: Recorded; workflowId: string; firstRunId: string }> {
  const rec: Recorded = { children: [], notifications: [], cycles: 0 };
  const workflowId = uniqueId('health-monitor-ts');
  const taskQueue = uniqueId('monitor-ts-q');
  const ok = { ok: false as const, error: 'not in this test' };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: {
      async heartbeatSweep(): Promise<HeartbeatSweep> {
        const s = await script.sweep(++rec.cycles, env.client.workflow.getHandle(workflowId), rec);
        return { total: NODES.length, answered: s.answered ?? NODES.length - s.missed.length, ...s };
      },
      async notify(n: NotifyInput): Promise<NotifyResult> {
        rec.notifications.push(n);
        return { dedupKey: n.dedupKey, action: n.action, sentAt: new Date().toISOString(), deliveries: [{ target: 'log', kind: 'log', ok: true, attempts: 1 }] };
      },
      async childStarted(r: ChildReport): Promise<ChildPlan> {
        rec.children.push({ start: r, cycle: rec.cycles });
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
      openProceduresOnNode: async ({ node }: { node: string }) => script.owners?.(node) ?? [],
    },
  });
  return worker.runUntil(async () => {
    const h = await startWorkflow(env.client, 'health-monitor', { taskQueue, workflowId, input });
    const result = (await h.result()) as ProcedureResult;
    return { result, rec, workflowId, firstRunId: h.firstExecutionRunId };
  });
}

const healthy = (): { missed: HeartbeatSweep['missed']; leader: string } => ({ missed: [], leader: 'n0' });

describe('health-monitor (time-skipping)', () => {
  it('starts restart-p2p for p2p-down at exactly failure_threshold misses, not one earlier', async () => {
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
    // Least invasive first (DESIGN §11): a dead daemon gets restart-p2p, not recover-node.
    expect(rec.children.map((c) => [c.start.type, c.start.node])).toEqual([['restart-p2p', 'n2']]);
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
        sweep: (c) => ({ leader: 'n0', missed: c < healAt ? [{ node: 'n3', kind: 'cut-off' }] : [] }),
        // Each attempt outlasts several heartbeats, and escalates (the node stays cut off).
        child: () => ({ status: 'escalated', summary: 'n3 cannot reach the backbone', takeMs: 4 * interval }),
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
    expect(triggers[0]!.summary).toMatch(/n3 missed \d+ heartbeats \(cut-off\); 3 recovery attempt\(s\)/);
    // The page carries the last attempt's §6.2 bundle.
    expect(triggers[0]!.bundle?.reasons).toContain('n3 cannot reach the backbone');
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

  it('host-down: escalates once, naming that only a human can fix it, and starts no procedure', async () => {
    const { rec } = await runMonitor(
      { heartbeatIntervalMs: 5_000, failureThreshold: 3, maxCycles: 20 },
      { sweep: (c) => ({ leader: 'n0', missed: c <= 15 ? [{ node: 'n4', kind: 'host-down' }] : [] }) },
    );
    expect(rec.children).toEqual([]);
    const triggers = rec.notifications.filter((n) => n.action === 'trigger');
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.summary).toMatch(/n4 missed 3 heartbeats \(host-down\).*host down: only a human can fix it/);
    // Back: the page is resolved with the same key.
    expect(rec.notifications.filter((n) => n.action === 'resolve').map((n) => n.dedupKey)).toEqual([triggers[0]!.dedupKey]);
  });

  it('more than half the nodes down: recovers nothing, not even a node it could heal, and escalates once', async () => {
    const down = ['n1', 'n2', 'n3', 'n4', 'n5'].map((node) => ({ node, kind: 'host-down' as const }));
    const { rec } = await runMonitor(
      { heartbeatIntervalMs: 5_000, failureThreshold: 3, unreachableFraction: 0.5, maxCycles: 12 },
      // 5 of 8 hosts down, and n6's daemon dead: restart-p2p would heal n6 on its own.
      { sweep: () => ({ leader: 'n0', missed: [...down, { node: 'n6', kind: 'p2p-down' }] }) },
    );
    expect(rec.children).toEqual([]);
    const triggers = rec.notifications.filter((n) => n.action === 'trigger');
    expect(triggers.map((t) => t.summary)).toEqual(['cluster: 5 of 8 nodes unreachable (more than 50%)']);
  });

  it('nodes only the worker cannot reach: shown, never recovered; more than the fraction escalates the worker\'s network once and recovers nothing', async () => {
    const blind = ['n1', 'n2', 'n3', 'n4', 'n5'];
    let shown: MonitorProgress['monitor'] | undefined;
    const { rec } = await runMonitor(
      { heartbeatIntervalMs: 5_000, failureThreshold: 3, unreachableFraction: 0.5, maxCycles: 24 },
      {
        sweep: async (c, monitor) => {
          // What the monitor showed after beat 5 (asked while beat 6's sweep runs).
          if (c === 6) shown = ((await monitor.query(progressQuery)) as MonitorProgress).monitor;
          return {
          leader: 'n0',
          // Cycles 1–8: one node blind (listed also as a miss, which the monitor must not believe).
          // Cycles 9–16: five of eight blind while n6's daemon is really dead. Then clear.
          unreachableFromWorker: c <= 8 ? ['n1'] : c <= 16 ? blind : [],
          missed: c <= 8 ? [{ node: 'n1', kind: 'p2p-down' as const }] : c <= 16 ? [{ node: 'n6', kind: 'p2p-down' as const }] : [],
          };
        },
      },
    );
    expect(shown?.unreachableFromWorker).toEqual(['n1']);
    expect(shown?.nodes.map((n) => n.node)).toEqual([]);
    // n6's daemon is dead from beat 9 to 16, but while the worker is blind nothing is recovered.
    expect(rec.children.map((c) => [c.start.type, c.start.node])).toEqual([]);
    const triggers = rec.notifications.filter((n) => n.action === 'trigger');
    expect(triggers.map((t) => t.summary)).toEqual(["worker: the worker cannot reach 5 of 8 nodes that the cluster sees alive: check the worker's own network"]);
    expect(rec.notifications.filter((n) => n.action === 'resolve').map((n) => n.dedupKey)).toEqual([triggers[0]!.dedupKey]);
  });

  it('does not start a recovery for a node another procedure works on, and says who holds it', async () => {
    let held = true;
    let shown: MonitorProgress['monitor']['nodes'][number] | undefined;
    const { rec } = await runMonitor(
      { heartbeatIntervalMs: 5_000, failureThreshold: 3, maxCycles: 10 },
      {
        sweep: async (c, monitor) => {
          if (c === 6) shown = ((await monitor.query(progressQuery)) as MonitorProgress).monitor.nodes.find((n) => n.node === 'n2');
          // From beat 8 on the incident's restart is over; the monitor may act.
          if (c === 8) held = false;
          return { leader: 'n0', missed: [{ node: 'n2', kind: 'p2p-down' as const }] };
        },
        owners: (node) => (node === 'n2' && held ? [{ workflowId: 'incident-7-restart-p2p-n2', procedure: 'restart-p2p' }] : []),
      },
    );
    // Held on cycles 3–7; started once the owner was gone.
    expect(rec.children.map((c) => [c.start.type, c.start.node, c.cycle])).toEqual([['restart-p2p', 'n2', 8]]);
    // While held, progress names the owner and counts no attempt of the monitor's own.
    expect(shown).toMatchObject({ attempts: 0, heldBy: 'restart-p2p incident-7-restart-p2p-n2' });
  });

  describe('flapping', () => {
    const interval = 60_000;

    /**
     * n2's daemon dies `again` beats after each recovery (recoveries heal it at once) until beat
     * `clearAt`; from `relapseAt` it fails once more. `resumeAt`: `runbook monitor resume n2`.
     */
    function flap(extra: Partial<MonitorInput>, o: { again: number; clearAt: number; relapseAt?: number; maxCycles: number; resumeAt?: number }) {
      let down = true;
      let healedAt = 0;
      let seen = 0;
      return runMonitor(
        { heartbeatIntervalMs: interval, failureThreshold: 2, recoveryBackoffMs: 1_000, maxRecoveryAttempts: 3, flapWindowMs: 30 * interval, maxCycles: o.maxCycles, ...extra },
        {
          sweep: (c, monitor, rec) => {
            if (rec.children.length > seen) {
              // A recovery ran since the last beat: healed now, fails again `again` beats later.
              seen = rec.children.length;
              down = false;
              healedAt = c;
            }
            if (!down && c < o.clearAt && c >= healedAt + o.again) down = true;
            if (c === o.clearAt) down = false;
            if (c === o.relapseAt) down = true;
            if (c === o.resumeAt) void monitor.signal(resumeNodeSignal, { node: 'n2' });
            return { leader: 'n0', missed: down ? [{ node: 'n2', kind: 'p2p-down' as const }] : [] };
          },
        },
      );
    }

    it('counts recoveries across heals, escalates once after the limit, leaves the node alone; a full window without a miss re-arms it', async () => {
      // Fails 2 beats after each heal until beat 50 (held from ~15: its misses keep it held past
      // 15 + 30); clean from 50, so re-armed at 80; fails again at 85.
      const { rec } = await flap({}, { again: 2, clearAt: 50, relapseAt: 85, maxCycles: 95 });
      const starts = rec.children.map((c) => c.cycle);
      // Three recoveries, each followed by a heal (one answered heartbeat must not reset the
      // count); the fourth failure is flapping. None while it flaps, none in the clean window,
      // one after the relapse (the window re-armed it).
      expect(starts).toHaveLength(4);
      expect(starts.slice(0, 3).every((c) => c < 20)).toBe(true);
      expect(starts[3]).toBeGreaterThanOrEqual(86);
      const triggers = rec.notifications.filter((n) => n.action === 'trigger');
      expect(triggers).toHaveLength(1);
      expect(triggers[0]!.summary).toMatch(/^n2: flapping: 3 recoveries in 30 min/);
      expect(triggers[0]!.dedupKey).toMatch(/^runbook-health-monitor:flapping-n2:/);
      const resolves = rec.notifications.filter((n) => n.action === 'resolve');
      expect(resolves.map((n) => [n.dedupKey, n.summary])).toEqual([[triggers[0]!.dedupKey, 'n2: no missed heartbeat for 30 min; the monitor acts on it again']]);
    });

    it('`monitor resume` re-arms a flapping node at once', async () => {
      const { rec } = await flap({}, { again: 2, clearAt: 60, maxCycles: 40, resumeAt: 25 });
      const starts = rec.children.map((c) => c.cycle);
      // Three, then held; resumed at beat 25 while it still fails: recovered again right away.
      expect(starts.length).toBeGreaterThanOrEqual(4);
      expect(starts[2]).toBeLessThan(25);
      expect(starts[3]).toBeGreaterThanOrEqual(25);
      expect(starts[3]).toBeLessThanOrEqual(27);
      expect(rec.notifications.filter((n) => n.action === 'resolve').map((n) => n.summary)).toContain('n2 resumed by an operator');
    });

    it('carries the window across continue-as-new', async () => {
      // A new run every 4 beats: the three recoveries land in different runs.
      const { rec, workflowId, firstRunId } = await flap({ cyclesPerRun: 4 }, { again: 2, clearAt: 40, maxCycles: 40 });
      expect(rec.children).toHaveLength(3);
      expect(rec.notifications.filter((n) => n.action === 'trigger').map((n) => n.summary)).toEqual([expect.stringMatching(/^n2: flapping: 3 recoveries in 30 min/)]);
      expect((await env.client.workflow.getHandle(workflowId).describe()).runId).not.toBe(firstRunId);
    });
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
