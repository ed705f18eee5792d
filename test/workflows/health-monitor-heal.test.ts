// The health monitor acting alone on a real cluster (dev server, simulator, a real worker): the
// shipped policy heals a dead P2P daemon with restart-p2p and touches nothing else; a dead host is
// escalated, never "recovered"; a flapping node is left alone after the limit until `runbook
// monitor resume`; nodes only the worker cannot reach are never recovered; a node another
// procedure works on is left to it. Nodes blind to the worker come from the simulator's
// `blind-to-worker` fault through the real sweep's peer checks.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { monitorInput } from '../../src/client/monitor.js';
import { startWorkflow } from '../../src/client/start.js';
import { DEFAULT_POLICY_FILE } from '../../src/config/default-files.js';
import { loadPolicy } from '../../src/config/loader.js';
import { MONITOR_WORKFLOW_ID, type MonitorInput, type MonitorProgress } from '../../src/domain/monitor.js';
import type { NotifyInput } from '../../src/domain/notification.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { decideUpdate, progressQuery, stopMonitorSignal } from '../../workflows/messages.js';
import { runCli } from '../helpers/cli.js';
import { clearFaults, useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { subnet } from '../helpers/subnets.js';
import { uniqueId } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait.js';

const notes: NotifyInput[] = [];

const harness = useClusterHarness({
  name: 'monitor-heal',
  nodes: 6,
  subnet: subnet('workflows/health-monitor-heal'),
  voters: 3,
  // flapping: a restarted daemon lives 4 s (20 s × timeScale 0.2), several heartbeats: it heals, then fails.
  flapAfterMs: 20_000,
  worker: () => ({
    wrap: (real) => ({
      ...real,
      notify: async (n) => {
        notes.push(n);
        return real.notify(n);
      },
    }),
  }),
});
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});
/** Mutations before the current test (the log spans the file). */
let seen = 0;
let testStart = '';
beforeEach(() => {
  testStart = new Date().toISOString();
  notes.length = 0;
  clearFaults(sim);
  seen = sim.state().mutations.length;
});

/** The shipped config/runbook.yaml's monitor input, with a quicker heartbeat for the test. */
function shipped(extra: Partial<MonitorInput> = {}): MonitorInput {
  const base = monitorInput(loadPolicy(DEFAULT_POLICY_FILE));
  return {
    ...base,
    heartbeatIntervalMs: 1000,
    recoveryBackoffMs: 2000,
    childInput: { ...base.childInput, verifyTimeoutMs: 20_000, slotsWorkflowId: `slots-${harness.taskQueue}` },
    ...extra,
  };
}

async function startMonitor(input: MonitorInput, workflowId = uniqueId('health-monitor-heal')) {
  const h = await startWorkflow(env.client, 'health-monitor', { taskQueue: harness.taskQueue, workflowId, input });
  const progress = async (): Promise<MonitorProgress> => (await h.query(progressQuery)) as MonitorProgress;
  /** Waits until the monitor has run `n` more heartbeats than now. */
  const beats = async (n: number): Promise<void> => {
    const from = (await progress()).monitor.cycles;
    await waitFor(`${n} more heartbeats`, async () => (await progress()).monitor.cycles >= from + n, { timeoutMs: 60_000 });
  };
  const stop = async (): Promise<void> => {
    await h.signal(stopMonitorSignal);
    await h.result();
  };
  await beats(1);
  return { h, progress, beats, stop };
}

const workers = (): string[] => sim.state().nodes.filter((n) => n.role === 'worker').map((n) => n.name);
/** What a node went through in this test, besides the test's own fault injections. */
const changesOn = (node: string): string[] =>
  sim.state().mutations.slice(seen).filter((m) => m.node === node && m.source !== 'control').map((m) => m.command);
const triggers = (): NotifyInput[] => notes.filter((n) => n.action === 'trigger');

/** Procedures on a node started during this test (any status). */
async function startedOn(node: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of env.client.workflow.list({ query: `RunbookNode = "${node}" AND StartTime >= "${testStart}"` })) ids.push(wf.workflowId);
  return ids;
}

describe('health-monitor acting alone on the simulator', () => {
  it('under the shipped policy heals p2p-down with restart-p2p: only the P2P stop and start touch the node', async () => {
    const input = shipped();
    // What makes "nobody typing" true: restart-p2p's only gate is low risk, auto-approved.
    expect(input.approval?.modes).toEqual({ low: 'auto', high: 'require' });
    const node = workers()[0]!;
    const m = await startMonitor(input);
    sim.fault(node, 'p2p-down');
    await waitFor(`${node} healed by the monitor`, () => sim.state().nodes.find((n) => n.name === node)!.faults.length === 0, { timeoutMs: 90_000 });
    await waitFor('the monitor to see every node again', async () => ((await m.progress()).monitor.nodes.length === 0 ? true : undefined), { timeoutMs: 30_000 });
    await m.stop();
    const child = await env.client.workflow.getHandle(`${m.h.workflowId}-restart-p2p-${node}`).result();
    expect(child).toMatchObject({ procedure: 'restart-p2p', status: 'completed' });
    const changes = changesOn(node);
    expect(changes.length, changes.join('\n')).toBe(2);
    expect(changes.every((c) => /\[?p\]?2p_daemon/.test(c)), changes.join('\n')).toBe(true);
    expect(changes.some((c) => /pkill/.test(c)) && changes.some((c) => /nohup/.test(c)), changes.join('\n')).toBe(true);
    expect(changes.join('\n')).not.toMatch(/networkd|tailscale/);
    expect(triggers()).toEqual([]);
  });

  it('host-down: escalates once and starts nothing', async () => {
    const node = workers()[1]!;
    const m = await startMonitor(shipped());
    sim.fault(node, 'host-down');
    await waitFor('the escalation', () => (triggers().length > 0 ? true : undefined), { timeoutMs: 60_000 });
    await m.beats(4);
    await m.stop();
    expect(triggers().map((t) => t.summary)).toEqual([expect.stringMatching(new RegExp(`${node} missed 3 heartbeats \\(host-down\\).*only a human can fix it`))]);
    expect(changesOn(node)).toEqual([]);
    expect(await startedOn(node)).toEqual([]);
  });

  it('flapping: escalates once after the limit and leaves the node alone; `runbook monitor resume` re-arms it', async () => {
    const node = workers()[2]!;
    const starts = (): number => changesOn(node).filter((c) => /nohup/.test(c)).length;
    // The monitor's fixed ID: `runbook monitor resume` signals it.
    const m = await startMonitor(shipped({ maxRecoveryAttempts: 2 }), MONITOR_WORKFLOW_ID);
    sim.fault(node, 'flapping');
    await waitFor('the flapping escalation', () => triggers().find((t) => t.source === node), { timeoutMs: 120_000 });
    expect(triggers().map((t) => t.summary)).toEqual([expect.stringMatching(new RegExp(`^${node}: flapping: 2 recoveries in 60 min`))]);
    expect((await m.progress()).monitor.flapping).toEqual([expect.objectContaining({ node, recoveries: 2 })]);
    const held = starts();
    expect(held).toBe(2);
    // Left alone while it still misses: no restart over several heartbeats, no second page.
    await m.beats(6);
    expect(starts()).toBe(held);
    expect(triggers()).toHaveLength(1);

    const cliEnv = { TEMPORAL_ADDRESS: env.address, RUNBOOK_CONFIG: sim.hostsFile };
    const unknown = await runCli(['monitor', 'resume', 'no-such-node'], cliEnv);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/node "no-such-node" is not in /);
    const resumed = await runCli(['monitor', 'resume', node], cliEnv);
    expect(resumed.code, resumed.stderr).toBe(0);
    await waitFor('a restart after resume', () => (starts() > held ? true : undefined), { timeoutMs: 60_000 });
    expect(notes.filter((n) => n.action === 'resolve').map((n) => n.summary)).toContain(`${node} resumed by an operator`);
    sim.fault(node, 'flapping', { clear: true });
    await m.stop();
  });

  it('a node only the worker cannot reach is shown and never recovered; more than the fraction escalates the worker\'s network and recovers nothing', async () => {
    const [blind, other] = [workers()[0]!, workers()[1]!];
    const everyone = sim.state().nodes.map((n) => n.name);
    // The real fault and the real sweep: the peers see `blind` alive and joined, and the sweep's
    // peer check moves it out of the misses.
    const m = await startMonitor(shipped());
    sim.fault(blind, 'blind-to-worker');
    await m.beats(5);
    const p = await m.progress();
    expect(p.monitor.unreachableFromWorker).toEqual([blind]);
    expect(p.monitor.nodes.map((n) => n.node)).not.toContain(blind);
    expect(changesOn(blind)).toEqual([]);

    // Now 4 of 6 blind, and `other`'s daemon really dead: the worker's view is not to be acted on.
    const four = everyone.filter((n) => n !== other).slice(0, 4);
    for (const n of four) sim.fault(n, 'blind-to-worker');
    sim.fault(other, 'p2p-down');
    await waitFor('the worker-network escalation', () => triggers().find((t) => t.source === 'worker'), { timeoutMs: 60_000 });
    await m.beats(5);
    expect(triggers().map((t) => t.summary)).toEqual(["worker: the worker cannot reach 4 of 6 nodes that the cluster sees alive: check the worker's own network"]);
    expect(changesOn(other)).toEqual([]);
    for (const n of four) expect(changesOn(n)).toEqual([]);
    expect((await m.progress()).monitor.doing).toMatch(/holding: the worker cannot reach 4 nodes/);

    // The worker sees again: resolved, and `other` is healed.
    for (const n of four) sim.fault(n, 'blind-to-worker', { clear: true });
    await waitFor(`${other} healed`, () => sim.state().nodes.find((n) => n.name === other)!.faults.length === 0, { timeoutMs: 90_000 });
    await m.stop();
    expect(notes.filter((n) => n.action === 'resolve').map((n) => n.summary)).toContain('the worker reaches the nodes again');
  });

  it('does not start a recovery for a node another procedure works on; progress names it', async () => {
    const node = workers()[2]!;
    sim.fault(node, 'p2p-down');
    // A CLI run that waits for a human before its restart: it owns the node meanwhile.
    const owner = await startProcedure(env, harness.taskQueue, 'restart-p2p', { node, extra: { approval: { timeoutMs: 600_000, modes: { low: 'require', high: 'require' } } } });
    await waitFor('the owner to wait for approval', async () => ((await owner.query(progressQuery)).pendingApproval ? true : undefined), { timeoutMs: 30_000 });
    const m = await startMonitor(shipped());
    const w = await waitFor('the monitor to see the owner', async () => (await m.progress()).monitor.nodes.find((n) => n.node === node && n.heldBy), { timeoutMs: 60_000 });
    expect(w.heldBy).toBe(`restart-p2p ${owner.workflowId}`);
    await m.beats(4);
    expect(changesOn(node)).toEqual([]);
    expect(await startedOn(node)).toEqual([owner.workflowId]);
    // The owner goes ahead; the monitor never started a second one.
    await owner.executeUpdate(decideUpdate, { args: [{ step: 'approve restart p2p', approve: true, by: 'test' }] });
    expect((await owner.result()).status).toBe('completed');
    await m.stop();
    expect(changesOn(node).filter((c) => /nohup/.test(c))).toHaveLength(1);
  });
});
