// force-election against the simulator: the harmless trigger first; the rolling voter restart
// only when that fails, one voter at a time, and the quorum is never lost. The same 5-voter
// cluster checks the voter quorum guard of restart-p2p and recover-node (§9 "Election Quorum").
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { quorumSize } from '../../src/domain/cluster-spec.js';
import type { Progress } from '../../src/domain/progress.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { approveSignal, progressQuery } from '../../workflows/messages.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { waitFor, waitForApproval } from '../helpers/wait.js';
import { subnet } from '../helpers/subnets.js';

const harness = useClusterHarness({ name: 'election', nodes: 9, subnet: subnet('workflows/force-election'), voters: 5 });
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

  it('asks a human before restarting voters, and an approval that comes after the §6.1 window still proceeds', async () => {
    sim.fault('cluster', 'election-stuck');
    // The window only has to outlast reaching the gate (a trigger and a 1 s wait, ~3 s when
    // idle); on a loaded machine a shorter one expires first and the run escalates instead,
    // which waitForApproval reports at once.
    const leaderlessMs = 15_000;
    const h = await startProcedure(env, taskQueue, 'force-election', { extra: { electionWaitMs: 1000, leaderlessMs } });
    await waitForApproval(h, 'approve rolling voter restart', { timeoutMs: leaderlessMs });
    // The approval arrives once the window has passed (waiting on that state, measured from the
    // run's own start): the approver knows, the restart goes ahead.
    const startedAt = (await h.describe()).startTime.getTime();
    await waitFor('the §6.1 leaderless window to pass', () => Date.now() > startedAt + leaderlessMs + 500, { timeoutMs: leaderlessMs + 5000 });
    await h.signal(approveSignal, { by: 'erin' });
    const r = await h.result();
    expect(r.status, r.summary).toBe('completed');
    expect((await h.query(progressQuery)).decisions).toEqual([expect.objectContaining({ step: 'approve rolling voter restart', approved: true, by: 'erin' })]);
    expect(sim.state().leader_id).not.toBeNull();
    expect(sim.state().quorum_lost).toBe(false);
  });

  it('skips a restart that would break quorum, and escalates when no leader comes', async () => {
    // Two of five voters down: restarting any live one would leave 2 < 3 alive.
    const voters = sim.state().voter_nodes;
    const [, a, b] = voters;
    sim.fault(a!, 'host-down');
    sim.fault(b!, 'host-down');
    sim.fault('cluster', 'election-stuck');
    const from = sim.state().mutations.length;
    try {
      const h = await startProcedure(env, taskQueue, 'force-election', { autoApprove: true, extra: { electionWaitMs: 1500 } });
      const r = await h.result();
      // It got to the rolling restart and went through every voter (not an early escalation).
      expect(r.status).toBe('escalated');
      expect(r.escalation?.reasons).toEqual(['no leader after triggering an election and restarting every voter']);
      const steps = (await h.query(progressQuery)).steps;
      const stopOf = (v: string): Progress['steps'][number] | undefined => steps.find((s) => s.name === `${v}: stop p2p daemon`);
      for (const v of voters) {
        if (v === a || v === b) expect(stopOf(v), v).toMatchObject({ state: 'skipped', detail: expect.stringMatching(/answers on no address/) });
        else expect(stopOf(v), v).toMatchObject({ state: 'skipped', detail: 'skipped: 3/5 voters alive, quorum needs 3' });
      }
      expect(sim.state().quorum_lost).toBe(false);
      const restarted = sim.state().mutations.slice(from).filter((m) => m.source === 'ssh' && m.command.includes('pkill'));
      expect(restarted).toEqual([]);
    } finally {
      sim.fault(a!, 'host-down', { clear: true });
      sim.fault(b!, 'host-down', { clear: true });
      sim.fault('cluster', 'election-stuck', { clear: true });
    }
  });
});

describe('voter quorum guard', () => {
  for (const procedure of ['restart-p2p', 'recover-node'] as const) {
    it(`${procedure} refuses to restart a live voter's daemon when that would leave fewer than a majority`, async () => {
      // 5 voters, 2 down: 3 alive, exactly the quorum; taking a third down would lose it.
      const voters = sim.state().voter_nodes;
      const [, a, b, target] = voters;
      sim.fault(a!, 'host-down');
      sim.fault(b!, 'host-down');
      // No leader, so the target's P2P does not look healthy and the procedure goes ahead.
      sim.fault('cluster', 'leader-lost');
      const from = sim.state().mutations.length;
      const h = await startProcedure(env, taskQueue, procedure, { node: target!, autoApprove: true, extra: { stageVerifyMs: 1000 } });
      const r = await h.result();
      expect(r.status, r.summary).toBe('escalated');
      expect(r.escalation?.reasons).toEqual([`restarting voter ${target} would leave 2/5 voters alive, below the quorum of 3`]);
      // §6.2's Tailscale views come from reference nodes that answer, never the dead voters
      // (whose SSH timeouts would hold the escalation up for half a minute).
      const views = r.escalation?.tailscaleFromNodes ?? [];
      expect(views.length, JSON.stringify(views)).toBeGreaterThan(0);
      for (const v of views) expect(v, JSON.stringify(views)).toMatchObject({ output: expect.any(String) });
      expect(views.map((v) => v.node)).not.toContain(a);
      expect(views.map((v) => v.node)).not.toContain(b);
      const stops = sim.state().mutations.slice(from).filter((m) => m.source === 'ssh' && m.command.includes('pkill'));
      expect(stops).toEqual([]);
      expect(sim.state().quorum_lost).toBe(false);
    });
  }
});
