// force-election against the simulator: the harmless trigger first; the rolling voter restart
// only when that fails, one voter at a time, and the quorum is never lost.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { quorumSize } from '../../src/domain/cluster.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { approveSignal } from '../../workflows/messages.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';

const harness = useClusterHarness({ name: 'election', nodes: 9, subnet: 52, voters: 5 });
const taskQueue = harness.taskQueue;
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

describe('force-election', () => {
  it('completes without touching anything when a leader exists', async () => {
    const before = sim.state().mutations.length;
    const r = await (await startProcedure(env, taskQueue, 'force-election')).result();
    expect(r.status).toBe('completed');
    expect(r.summary).toMatch(/no election needed/);
    expect(sim.state().mutations.length).toBe(before);
  });

  it('fixes leader-lost with POST /admin/trigger-election, restarting no voter', async () => {
    sim.fault('cluster', 'leader-lost');
    const r = await (await startProcedure(env, taskQueue, 'force-election')).result();
    expect(r.status, r.summary).toBe('completed');
    expect(sim.state().leader_id).not.toBeNull();
    expect(sim.state().cluster_faults).toEqual([]);
    expect(sim.state().mutations.filter((m) => m.source === 'ssh')).toEqual([]);
  });

  it('restarts every voter one at a time when the election is stuck, never losing quorum', async () => {
    sim.fault('cluster', 'election-stuck');
    const voters = sim.state().voter_nodes;
    const r = await (await startProcedure(env, taskQueue, 'force-election', { autoApprove: true, extra: { electionWaitMs: 2000 } })).result();
    expect(r.status, r.summary).toBe('completed');
    const s = sim.state();
    expect(s.leader_id).not.toBeNull();
    expect(s.cluster_faults).toEqual([]);
    // Every voter was restarted over SSH, and at no moment were fewer than a majority alive.
    const restarted = new Set(s.mutations.filter((m) => m.source === 'ssh' && m.command.includes('pkill')).map((m) => m.node));
    expect([...restarted].sort()).toEqual([...voters].sort());
    expect(s.min_voters_alive).toBeGreaterThanOrEqual(quorumSize(voters.length));
    expect(s.min_voters_alive).toBe(voters.length - 1);
    expect(s.quorum_lost).toBe(false);
  });

  it('asks a human before restarting voters, and an approval that comes late still proceeds', async () => {
    sim.fault('cluster', 'election-stuck');
    const h = await startProcedure(env, taskQueue, 'force-election', { extra: { electionWaitMs: 1000, leaderlessMs: 3000 } });
    for (;;) {
      const p = (await h.query('progress')) as { status: string; pendingApproval?: { step: string } };
      if (p.status === 'awaiting-approval') {
        expect(p.pendingApproval?.step).toBe('approve rolling voter restart');
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // The approval arrives after the §6.1 window: the approver knows, the restart goes ahead.
    await new Promise((r) => setTimeout(r, 3500));
    await h.signal(approveSignal, { by: 'erin' });
    const r = await h.result();
    expect(r.status, r.summary).toBe('completed');
    expect(sim.state().leader_id).not.toBeNull();
    expect(sim.state().quorum_lost).toBe(false);
  });

  it('skips a restart that would break quorum, and escalates when no leader comes', async () => {
    // Two of five voters down: restarting any live one would leave 2 < 3 alive.
    const [, a, b] = sim.state().voter_nodes;
    sim.fault(a!, 'host-down');
    sim.fault(b!, 'host-down');
    sim.fault('cluster', 'election-stuck');
    const from = sim.state().mutations.length;
    try {
      const r = await (await startProcedure(env, taskQueue, 'force-election', { autoApprove: true, extra: { electionWaitMs: 1500 } })).result();
      expect(r.status).toBe('escalated');
      expect(sim.state().quorum_lost).toBe(false);
      const restarted = sim.state().mutations.slice(from).filter((m) => m.source === 'ssh' && m.command.includes('pkill'));
      expect(restarted.filter((m) => m.node !== a && m.node !== b)).toEqual([]);
    } finally {
      sim.fault(a!, 'host-down', { clear: true });
      sim.fault(b!, 'host-down', { clear: true });
      sim.fault('cluster', 'election-stuck', { clear: true });
    }
  });
});
