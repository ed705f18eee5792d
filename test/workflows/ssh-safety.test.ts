// Unsafe SSH sequences end to end: a P2P stop that does not verify never leads to a start,
// and Tailscale down+up is one detached command, so `up` runs even when SSH to the node dies
// right after `down`. Subnet 63.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { progressQuery } from '../../workflows/messages.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { subnet } from '../helpers/subnets.js';

const harness = useClusterHarness({ name: 'ssh-safety', nodes: 6, subnet: subnet('workflows/ssh-safety'), voters: 3 });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

const workerNode = (i: number): string => sim.state().nodes.filter((n) => n.role === 'worker')[i]!.name;
const sshCommandsOn = (node: string, from: number): string[] =>
  sim
    .state()
    .mutations.slice(from)
    .filter((m) => m.node === node && m.source === 'ssh')
    .map((m) => m.command);

describe('p2p restart', () => {
  it('escalates and never starts a second daemon when the old one survives the stop', async () => {
    const node = workerNode(0);
    // Leaderless, so the node does not look healthy and the procedure goes on to restart it.
    sim.fault('cluster', 'leader-lost');
    sim.fault(node, 'p2p-ignores-sigterm');
    const before = sim.state().mutations.length;
    const h = await startProcedure(env, harness.taskQueue, 'restart-p2p', { node, autoApprove: true });
    const r = await h.result();
    expect(r.status, r.summary).toBe('escalated');
    expect(r.escalation?.reasons.join(' ')).toMatch(/not confirmed stopped.*not starting a second daemon/);
    const commands = sshCommandsOn(node, before);
    expect(commands).toContain('pkill -u "$USER" -f "[p]2p_daemon"');
    expect(commands.filter((c) => c.includes('python -m app.distributed.p2p_daemon'))).toEqual([]);
  });

  it('a normal restart: the stop verifies (exit 0) and the start follows', async () => {
    const node = workerNode(1);
    sim.fault(node, 'p2p-down');
    const h = await startProcedure(env, harness.taskQueue, 'restart-p2p', { node, autoApprove: true });
    const r = await h.result();
    expect(r.status, r.summary).toBe('completed');
    const { steps } = await h.query(progressQuery);
    const stop = steps.find((s) => s.name === 'stop p2p daemon');
    expect(stop?.state).toBe('done');
    expect(stop?.detail ?? '').not.toMatch(/exit \d+/);
  });
});

describe('fix-tailscale over the fallback', () => {
  it('brings Tailscale back even when SSH to the node goes silent right after `tailscale down`', async () => {
    const node = workerNode(2);
    sim.fault(node, 'tailscale-down');
    // From the moment `sudo tailscale down` runs on the node, every SSH session to it (this one
    // and any new one) stalls: a second session for `tailscale up` could never run. The node is
    // already down, so no state change marks that moment: the command's log entry does.
    const cluster = sim.cluster;
    const record = cluster.record.bind(cluster);
    cluster.record = (at, source, command) => {
      record(at, source, command);
      if (at === node && command === 'sudo tailscale down') sim.fault(node, 'ssh-stall');
    };
    try {
      const h = await startProcedure(env, harness.taskQueue, 'fix-tailscale', { node, autoApprove: true });
      const r = await h.result();
      expect(r.status, r.summary).toBe('completed');
      const state = sim.state().nodes.find((n) => n.name === node)!;
      expect(state.tailscale).toBe('up');
      expect(state.faults).toContain('ssh-stall');
    } finally {
      cluster.record = record;
    }
  });
});
