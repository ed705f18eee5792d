// Blast radius across procedures, and the §6.1 guard: no automatic mutation when more than
// half the cluster is unreachable.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../src/domain/progress.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { progressQuery, rejectSignal } from '../../workflows/messages.js';
import { acquireSlotSignal, releaseSlotSignal } from '../../workflows/slots.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { waitForProgress } from '../helpers/wait.js';
import { subnet } from '../helpers/subnets.js';

const harness = useClusterHarness({ name: 'safety', nodes: 8, subnet: subnet('workflows/safety'), voters: 3 });
const taskQueue = harness.taskQueue;
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

const workers = (): string[] => sim.state().nodes.filter((n) => n.role === 'worker').map((n) => n.name);

/** Polls progress until `ok`; fails with the last progress at a deadline or when the run ends. */
const until = (h: { query: (q: typeof progressQuery) => Promise<Progress> }, ok: (p: Progress) => boolean): Promise<Progress> =>
  waitForProgress(h, 'the awaited progress', ok);

describe('blast radius', () => {
  it('with one slot taken, a procedure waits and mutates nothing until the slot is released', async () => {
    const [a, b] = workers();
    sim.fault(b!, 'p2p-down');
    // Another procedure holds the only slot (a fix-tailscale waiting for approval stands in
    // for "a procedure that is changing node a"): the semaphore grants it by signal.
    sim.fault(a!, 'tailscale-down');
    const holder = await startProcedure(env, taskQueue, 'fix-tailscale', { node: a! });
    await until(holder, (p) => p.status === 'awaiting-approval');
    const slotsId = `slots-${taskQueue}`;
    // A request needs a secret key (only it releases the slot): the test makes one up.
    const hold = { requestId: 'manual:hold#1', holder: holder.workflowId, node: a!, limit: 1, key: 'manual-hold-secret-key' };
    await env.client.workflow.signalWithStart('remediationSlots', {
      workflowId: slotsId,
      taskQueue,
      args: [{}],
      signal: acquireSlotSignal,
      signalArgs: [hold],
    });

    const second = await startProcedure(env, taskQueue, 'restart-p2p', { node: b!, extra: { maxNodesRemediated: 1 } });
    const waiting = await until(second, (p) => p.steps.some((s) => s.detail?.includes('waiting for a remediation slot')));
    expect(waiting.status).toBe('running');
    await new Promise((r) => setTimeout(r, 1000));
    expect(sim.state().mutations.filter((m) => m.node === b && m.source !== 'control')).toEqual([]);
    expect((await second.query(progressQuery)).steps.find((s) => s.name === 'stop p2p daemon')?.state).not.toBe('done');

    await env.client.workflow.getHandle(slotsId).signal(releaseSlotSignal, { requestId: hold.requestId, key: hold.key });
    const r = await second.result();
    expect(r.status, r.summary).toBe('completed');
    expect(sim.state().nodes.find((n) => n.name === b)!.faults).toEqual([]);
    await holder.signal(rejectSignal, { by: 'ops' });
    expect((await holder.result()).status).toBe('escalated');
  });
});

describe('§6.1 guard', () => {
  it('does not auto-approve even a low-risk step when more than half the nodes are unreachable', async () => {
    const ws = workers();
    const target = ws[0]!;
    sim.fault(target, 'p2p-down');
    for (const n of ws.slice(1)) sim.fault(n, 'host-down'); // 4 of 8 down + the target's p2p
    const extra = sim.state().nodes.find((n) => n.role === 'voter' && n.name !== sim.state().coordinator)!.name;
    sim.fault(extra, 'host-down');
    const before = sim.state().mutations.length;
    const h = await startProcedure(env, taskQueue, 'restart-p2p', { node: target });
    const p = await until(h, (x) => x.status === 'awaiting-approval');
    expect(p.pendingApproval?.detail).toMatch(/approval required: 5\/8 nodes unreachable/);
    await h.signal(rejectSignal, { by: 'ops' });
    expect((await h.result()).status).toBe('escalated');
    expect(sim.state().mutations.length).toBe(before);
  });
});
