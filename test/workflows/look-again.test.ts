// DESIGN §11 through a real worker and dev server on the simulator: a fresh look right before
// each change (two restarts queued on one node restart it once; an approval given after the
// node healed changes nothing) and least invasive first (recover-node on a dead daemon touches
// only the daemon). What changed is read from the simulator's mutation log, not the runs' word.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../src/domain/progress.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { approveSignal, progressQuery } from '../../workflows/messages.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { subnet } from '../helpers/subnets.js';
import { waitForApproval } from '../helpers/wait.js';

const harness = useClusterHarness({ name: 'look-again', nodes: 8, subnet: subnet('workflows/look-again'), voters: 3 });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

const workerNode = (i: number): string => sim.state().nodes.filter((n) => n.role === 'worker')[i]!.name;
/** The SSH commands that changed `node`, in order. */
const changesOn = (node: string): string[] => sim.state().mutations.filter((m) => m.node === node && m.source === 'ssh').map((m) => m.command);
const humansDecide = { approval: { timeoutMs: 10 * 60_000, modes: { low: 'require', high: 'require' } } } as const;

describe('look again right before acting', () => {
  it('two restart-p2p queued on one node: one restart; the second, approved after the heal, changes nothing', async () => {
    const node = workerNode(0);
    sim.fault(node, 'p2p-down');
    const first = await startProcedure(env, harness.taskQueue, 'restart-p2p', { node, extra: humansDecide });
    const second = await startProcedure(env, harness.taskQueue, 'restart-p2p', { node, extra: humansDecide });
    // Both looked at the dead daemon and now wait for a human.
    await Promise.all([waitForApproval(first), waitForApproval(second)]);

    await first.signal(approveSignal, { by: 'alice' });
    expect(await first.result()).toMatchObject({ status: 'completed', summary: expect.stringMatching(/restarted and rejoined/) });
    await second.signal(approveSignal, { by: 'bob', comment: 'approved on a 15-minute-old picture' });
    const r = await second.result();
    expect(r).toMatchObject({ status: 'completed', summary: `${node}: already healthy: nothing changed` });

    const p: Progress = await second.query(progressQuery);
    expect(p.steps.find((s) => s.name === 'look again')).toMatchObject({ state: 'done', detail: expect.stringMatching(/^already healthy: nothing changed/) });
    expect(p.steps.find((s) => s.name === 'stop p2p daemon')?.state).toBe('skipped');
    const changes = changesOn(node);
    expect(changes.filter((c) => c.includes('pkill'))).toHaveLength(1);
    expect(changes.filter((c) => c.includes('nohup python -m app.distributed.p2p_daemon'))).toHaveLength(1);
  });

  it('a node that went down on every port after the approval: escalate, change nothing', async () => {
    const node = workerNode(1);
    sim.fault(node, 'p2p-down');
    const h = await startProcedure(env, harness.taskQueue, 'restart-p2p', { node, extra: humansDecide });
    await waitForApproval(h);
    sim.fault(node, 'host-down');
    await h.signal(approveSignal, { by: 'alice' });
    const r = await h.result();
    expect(r.status).toBe('escalated');
    expect(r.summary).toMatch(/now down on every port.*worse than what was approved/);
    expect(changesOn(node)).toEqual([]);
  });

  it('fix-tailscale approved after Tailscale came back by itself: nothing changed', async () => {
    const node = workerNode(4);
    sim.fault(node, 'tailscale-down');
    const h = await startProcedure(env, harness.taskQueue, 'fix-tailscale', { node, extra: humansDecide });
    await waitForApproval(h);
    sim.fault(node, 'tailscale-down', { clear: true });
    await h.signal(approveSignal, { by: 'alice' });
    expect(await h.result()).toMatchObject({ status: 'completed', summary: `${node}: already healthy: nothing changed` });
    expect(changesOn(node)).toEqual([]);
  });
});

describe('quorum before every voter change', () => {
  it('fix-tailscale on a voter while another voter is down: the quorum is counted first, nothing changes', async () => {
    const [, v2, v3] = sim.state().nodes.filter((n) => n.role === 'voter').map((n) => n.name);
    sim.fault(v3!, 'p2p-down');
    sim.fault(v2!, 'tailscale-down');
    const h = await startProcedure(env, harness.taskQueue, 'fix-tailscale', { node: v2!, autoApprove: true });
    const r = await h.result();
    expect(r).toMatchObject({ status: 'escalated', summary: expect.stringMatching(/restarting voter .* below the quorum/) });
    expect(changesOn(v2!)).toEqual([]);
  });
});

describe('Tailscale status that cannot be read', () => {
  it('fix-tailscale on a node whose primary address answers treats it as online, says so, and changes nothing', async () => {
    const node = workerNode(0);
    const before = changesOn(node).length;
    const taskQueue = `${harness.taskQueue}-no-tailscale`;
    const worker = await harness.createWorker({
      taskQueue,
      wrap: (real) => ({ ...real, tailscaleStatus: () => Promise.reject(new Error('tailscaled is not running')) }),
    });
    const r = await worker.runUntil(async () => (await startProcedure(env, taskQueue, 'fix-tailscale', { node, autoApprove: true })).result());
    expect(r).toMatchObject({ status: 'completed', summary: expect.stringMatching(/Tailscale already up/) });
    expect(changesOn(node)).toHaveLength(before);
  });
});

describe('least invasive first', () => {
  it('recover-node on a dead daemon restarts only the daemon (no networkd, no Tailscale)', async () => {
    const node = workerNode(2);
    sim.fault(node, 'p2p-down');
    const h = await startProcedure(env, harness.taskQueue, 'recover-node', { node, autoApprove: true, extra: { stageVerifyMs: 2_000 } });
    const r = await h.result();
    expect(r).toMatchObject({ status: 'completed', summary: `${node} rejoined after a P2P restart` });
    const changes = changesOn(node);
    expect(changes).toHaveLength(2);
    expect(changes[0]).toContain('pkill');
    expect(changes[1]).toContain('nohup python -m app.distributed.p2p_daemon');
    const p: Progress = await h.query(progressQuery);
    expect(p.steps.find((s) => s.name === 'restart systemd-networkd')).toMatchObject({ state: 'skipped', detail: expect.stringMatching(/reaches the backbone/) });
    expect(p.steps.find((s) => s.name === 'restart tailscale')?.state).toBe('skipped');
  });

  it('recover-node on a partitioned node still runs the networkd stage first', async () => {
    const node = workerNode(3);
    sim.fault(node, 'partition');
    const h = await startProcedure(env, harness.taskQueue, 'recover-node', { node, autoApprove: true, extra: { stageVerifyMs: 5_000 } });
    const r = await h.result();
    expect(r.status).toBe('completed');
    expect(changesOn(node)[0]).toContain('systemctl restart systemd-networkd');
  });
});
