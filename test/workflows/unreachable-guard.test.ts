// The §6.1 guard wins over every automatic approval: with more than half the cluster
// unreachable, or when reachability cannot be measured at all, even an explicit
// `--auto-approve` (input.approval.autoApprove) waits for a human, and nothing is mutated.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { rejectSignal } from '../../workflows/messages.js';
import { createTestWorker } from '../helpers/cluster.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { uniqueId } from '../helpers/temporal-env.js';
import { waitForApproval } from '../helpers/wait.js';
import { subnet } from '../helpers/subnets.js';

const harness = useClusterHarness({ name: 'guard', nodes: 8, subnet: subnet('workflows/unreachable-guard'), voters: 3 });
const taskQueue = harness.taskQueue;
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

const workers = (): string[] => sim.state().nodes.filter((n) => n.role === 'worker').map((n) => n.name);

describe('§6.1 guard over --auto-approve', () => {
  it('waits for a human even with autoApprove when more than half the nodes are unreachable', async () => {
    const ws = workers();
    const target = ws[0]!;
    sim.fault(target, 'p2p-down');
    for (const n of ws.slice(1)) sim.fault(n, 'host-down'); // 4 of 8 down
    const extra = sim.state().nodes.find((n) => n.role === 'voter' && n.name !== sim.state().coordinator)!.name;
    sim.fault(extra, 'host-down'); // 5 of 8
    const before = sim.state().mutations.filter((m) => m.source !== 'control').length;
    const h = await startProcedure(env, taskQueue, 'restart-p2p', { node: target, autoApprove: true });
    const p = await waitForApproval(h, 'approve restart p2p');
    expect(p.pendingApproval?.detail).toMatch(/\[approval required: 5\/8 nodes unreachable \(> 50%, §6\.1\)\]$/);
    await h.signal(rejectSignal, { by: 'ops' });
    expect((await h.result()).status).toBe('escalated');
    expect(sim.state().mutations.filter((m) => m.source !== 'control')).toHaveLength(before);
  });

  it('waits for a human even with autoApprove when reachability cannot be measured', async () => {
    const target = workers()[0]!;
    sim.fault(target, 'p2p-down');
    const before = sim.state().mutations.filter((m) => m.source !== 'control').length;
    // The real activities, with the cluster-wide reachability check failing.
    const queue = uniqueId('guard-unknown-q');
    const worker = await createTestWorker(env, sim, queue, undefined, (real) => ({
      ...real,
      reachability: () => Promise.reject(ApplicationFailure.nonRetryable('probe batch lost', 'ProbeBatchLost')),
    }));
    await worker.runUntil(async () => {
      const h = await startProcedure(env, queue, 'restart-p2p', { node: target, autoApprove: true });
      const p = await waitForApproval(h, 'approve restart p2p');
      expect(p.pendingApproval?.detail).toMatch(/\[approval required: cluster reachability unknown\]$/);
      expect(p.steps.find((s) => s.name === 'check cluster reachability')?.detail).toBe('could not measure: every step needs a human');
      await h.signal(rejectSignal, { by: 'ops' });
      expect((await h.result()).status).toBe('escalated');
    });
    expect(sim.state().mutations.filter((m) => m.source !== 'control')).toHaveLength(before);
  });
});
