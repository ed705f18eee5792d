// Approval paths through a real dev server: signal, update, reject, the update validator, an
// approval that arrives while no worker runs (after a restart) still counts, and a late or
// repeated approval never approves a later gate.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../src/domain/progress.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { RunbookAwaitingApproval } from '../../src/temporal/search-attributes.js';
import { approveSignal, decideUpdate, progressQuery, rejectSignal } from '../../workflows/messages.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { uniqueId } from '../helpers/temporal-env.js';
import { waitForApproval as waitForGate } from '../helpers/wait.js';
import { subnet } from '../helpers/subnets.js';

// No shared worker: each test runs its own, and one approves while no worker runs at all.
const harness = useClusterHarness({ name: 'approvals', nodes: 6, subnet: subnet('workflows/approvals'), voters: 3, worker: false });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

const workerNode = (): string => sim.state().nodes.find((n) => n.role === 'worker')!.name;

/** Fails with the run's last progress when it ends, or after the deadline, instead of polling forever. */
const waitForApproval = (h: { query: (q: typeof progressQuery) => Promise<Progress> }, step?: string): Promise<Progress> => waitForGate(h, step);

describe('approvals', () => {
  it('waits for a high-risk step, shows it in progress and search attributes, proceeds on an approve signal', async () => {
    const taskQueue = uniqueId('approve-q');
    const worker = await harness.createWorker({ taskQueue });
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    await worker.runUntil(async () => {
      const h = await startProcedure(env, taskQueue, 'fix-tailscale', { node });
      const p = await waitForApproval(h);
      expect(p.pendingApproval).toMatchObject({ step: 'approve restart tailscale', risk: 'high' });
      expect(p.steps.find((s) => s.name === 'approve restart tailscale')?.state).toBe('awaiting-approval');
      const waiting = await h.describe();
      expect(waiting.typedSearchAttributes.get(RunbookAwaitingApproval)).toBe(true);
      await h.signal(approveSignal, { by: 'alice', comment: 'go' });
      const r = await h.result();
      expect(r.status).toBe('completed');
      const done = await h.query(progressQuery);
      expect(done.decisions).toEqual([expect.objectContaining({ step: 'approve restart tailscale', approved: true, by: 'alice', comment: 'go' })]);
    });
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
  });

  it('approves through the validated update, and the validator refuses a step that is not waiting', async () => {
    const taskQueue = uniqueId('update-q');
    const worker = await harness.createWorker({ taskQueue });
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    await worker.runUntil(async () => {
      const h = await startProcedure(env, taskQueue, 'fix-tailscale', { node });
      await waitForApproval(h);
      await expect(
        h.executeUpdate(decideUpdate, { args: [{ approve: true, by: 'bob', step: 'approve something else' }] }),
      ).rejects.toThrow(WorkflowUpdateFailedError);
      await expect(h.executeUpdate(decideUpdate, { args: [{ approve: true, by: '' }] })).rejects.toThrow(WorkflowUpdateFailedError);
      // A hand-typed `"approve": "false"` is a string (truthy): refused, never read as a decision.
      const typed = await h
        .executeUpdate(decideUpdate, { args: [{ approve: 'false' as unknown as boolean, by: 'mallory' }] })
        .catch((e: unknown) => e);
      expect(typed).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((typed as WorkflowUpdateFailedError).cause?.message).toMatch(/"approve" must be true or false/);
      expect((await h.query(progressQuery)).pendingApproval?.step).toBe('approve restart tailscale');
      const ok = await h.executeUpdate(decideUpdate, { args: [{ approve: true, by: 'bob' }] });
      expect(ok).toEqual({ step: 'approve restart tailscale', approved: true });
      expect((await h.result()).status).toBe('completed');
      // The run has finished: the server has nothing to update.
      await expect(h.executeUpdate(decideUpdate, { args: [{ approve: true, by: 'late' }] })).rejects.toThrow(/completed|not found/i);
    });
  });

  it('a rejection escalates and nothing is changed', async () => {
    const taskQueue = uniqueId('reject-q');
    const worker = await harness.createWorker({ taskQueue });
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const before = sim.state().mutations.length;
    await worker.runUntil(async () => {
      const h = await startProcedure(env, taskQueue, 'fix-tailscale', { node });
      await waitForApproval(h);
      await h.signal(rejectSignal, { by: 'carol', comment: 'provider maintenance' });
      const r = await h.result();
      expect(r.status).toBe('escalated');
      expect(r.escalation?.reasons).toEqual(['"restart tailscale" rejected by carol']);
    });
    expect(sim.state().mutations.length).toBe(before);
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual(['tailscale-down']);
  });

  it('an approval sent while no worker runs is applied when a new worker starts', async () => {
    const taskQueue = uniqueId('restart-q');
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const first = await harness.createWorker({ taskQueue });
    const h = await first.runUntil(async () => {
      const handle = await startProcedure(env, taskQueue, 'fix-tailscale', { node });
      await waitForApproval(handle);
      return handle;
    });
    // The worker is gone; the decision lands in history and waits for the next one.
    await h.signal(approveSignal, { by: 'dave' });
    const second = await harness.createWorker({ taskQueue });
    const r = await second.runUntil(h.result());
    expect(r.status).toBe('completed');
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
  });

  it('a repeated approval and a late one for an earlier gate never approve the next gate', async () => {
    // force-election on a stuck election asks twice: the trigger (low) and the rolling
    // restart (high); both require a human here.
    const taskQueue = uniqueId('two-gates-q');
    const worker = await harness.createWorker({ taskQueue });
    sim.fault('cluster', 'election-stuck');
    const before = sim.state().mutations.filter((m) => m.source === 'ssh').length;
    try {
      await worker.runUntil(async () => {
        const h = await startProcedure(env, taskQueue, 'force-election', {
          extra: { electionWaitMs: 1000, approval: { timeoutMs: 10 * 60_000, modes: { low: 'require', high: 'require' } } },
        });
        await waitForApproval(h, 'approve trigger election');
        // Approved twice, naming no step (an operator pressing twice): only one decision counts.
        await h.signal(approveSignal, { by: 'alice' });
        await h.signal(approveSignal, { by: 'alice', comment: 'again' });
        const second = await waitForApproval(h, 'approve rolling voter restart');
        expect(second.decisions).toEqual([expect.objectContaining({ step: 'approve trigger election', approved: true, by: 'alice' })]);
        expect(second.decisions).toHaveLength(1);
        // A late approval of the first gate is refused by the validator, naming the gate that waits.
        await expect(
          h.executeUpdate(decideUpdate, { args: [{ approve: true, by: 'bob', step: 'approve trigger election' }] }),
        ).rejects.toThrow(WorkflowUpdateFailedError);
        const refused = await h
          .executeUpdate(decideUpdate, { args: [{ approve: true, by: 'bob', step: 'approve trigger election' }] })
          .catch((e: unknown) => String((e as { cause?: unknown }).cause ?? e));
        expect(refused).toMatch(/step "approve trigger election" is not waiting for approval \(waiting: "approve rolling voter restart"\)/);
        // The second gate still waits, and no voter was touched.
        const still = await h.query(progressQuery);
        expect(still).toMatchObject({ status: 'awaiting-approval', pendingApproval: { step: 'approve rolling voter restart' } });
        expect(still.decisions).toHaveLength(1);
        expect(sim.state().mutations.filter((m) => m.source === 'ssh')).toHaveLength(before);
        await h.signal(rejectSignal, { by: 'carol' });
        expect((await h.result()).status).toBe('escalated');
      });
    } finally {
      sim.fault('cluster', 'election-stuck', { clear: true });
    }
  });
});
