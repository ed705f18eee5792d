// An approval nobody answers escalates when its deadline passes and never proceeds. Runs on
// the time-skipping test server, so the 15-minute deadline passes at once.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { uniqueId } from '../helpers/temporal-env.js';
import { subnet } from '../helpers/subnets.js';

const harness = useClusterHarness({
  name: 'approval-timeout',
  nodes: 5,
  subnet: subnet('workflows/approval-timeout'),
  voters: 3,
  server: 'time-skipping',
  worker: false,
});
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

describe('approval deadline', () => {
  it('escalates after the policy timeout without running the gated step', async () => {
    const node = sim.state().nodes.find((n) => n.role === 'worker')!.name;
    sim.fault(node, 'tailscale-down');
    const before = sim.state().mutations.length;
    const taskQueue = uniqueId('timeout-q');
    const worker = await harness.createWorker({ taskQueue });
    const r = await worker.runUntil(async () => {
      const h = await startProcedure(env, taskQueue, 'fix-tailscale', { node, approvalTimeoutMs: 15 * 60_000 });
      return h.result();
    });
    expect(r.status).toBe('escalated');
    expect(r.escalation?.reasons).toEqual(['approval for "restart tailscale" timed out after 15 min']);
    expect(sim.state().mutations.length).toBe(before);
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual(['tailscale-down']);
  });
});
