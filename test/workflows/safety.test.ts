// Blast radius across procedures, and the §6.1 guard: no automatic mutation when more than
// half the cluster is unreachable.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../src/domain/progress.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { progressQuery, rejectSignal } from '../../workflows/messages.js';
import { createTestWorker, startCluster } from '../helpers/cluster.js';
import { startProcedure } from '../helpers/procedures.js';
import { startDevEnv, uniqueId } from '../helpers/temporal-env.js';

let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueId('safety-q');

beforeAll(async () => {
  [env, sim] = await Promise.all([startDevEnv(), startCluster({ nodes: 8, subnet: 55, voters: 3 })]);
  worker = await createTestWorker(env, sim, taskQueue);
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await sim?.stop();
  await env?.teardown();
});
afterEach(() => {
  for (const n of sim.state().nodes) for (const f of n.faults) sim.fault(n.name, f, { clear: true });
});

const workers = (): string[] => sim.state().nodes.filter((n) => n.role === 'worker').map((n) => n.name);

async function until(h: { query: (q: typeof progressQuery) => Promise<Progress> }, ok: (p: Progress) => boolean): Promise<Progress> {
  for (;;) {
    const p = await h.query(progressQuery);
    if (ok(p)) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('blast radius', () => {
  it('with one slot, a second procedure waits until the first lets go of its node', async () => {
    const [a, b] = workers();
    sim.fault(a!, 'partition');
    sim.fault(b!, 'p2p-down');
    const first = await startProcedure(env, taskQueue, 'recover-node', { node: a!, extra: { maxNodesRemediated: 1 } });
    // recover-node holds its slot while it waits for approval of the networkd restart.
    await until(first, (p) => p.status === 'awaiting-approval');
    const second = await startProcedure(env, taskQueue, 'restart-p2p', { node: b!, extra: { maxNodesRemediated: 1 } });
    const waiting = await until(second, (p) => p.steps.some((s) => s.detail?.includes('waiting for a remediation slot')));
    expect(waiting.status).toBe('running');
    expect(sim.state().mutations.filter((m) => m.node === b && m.source !== 'control')).toEqual([]);

    await first.signal(rejectSignal, { by: 'ops' });
    expect((await first.result()).status).toBe('escalated');
    const r = await second.result();
    expect(r.status, r.summary).toBe('completed');
    expect(sim.state().nodes.find((n) => n.name === b)!.faults).toEqual([]);
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
