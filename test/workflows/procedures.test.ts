// Recovery procedures through a real worker and dev server against the simulator: each fixes
// the fault it is for (checked on the simulator, not on the procedure's word), host-down
// escalates untouched, and dry runs change nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';

const harness = useClusterHarness({ name: 'procedures', nodes: 8, subnet: 51, voters: 3 });
const taskQueue = harness.taskQueue;
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

/** A worker node (not a voter, not the coordinator), so voter counts stay untouched here. */
function workerNode(i: number): string {
  return sim.state().nodes.filter((n) => n.role === 'worker')[i]!.name;
}

const faultsOf = (name: string): string[] => sim.state().nodes.find((n) => n.name === name)!.faults;
const mutationCount = (): number => sim.state().mutations.length;

describe('recovery procedures fix what they are for', () => {
  it('restart-p2p fixes p2p-down (low risk: auto-approved by policy) and polls until healthy', async () => {
    const node = workerNode(0);
    sim.fault(node, 'p2p-down');
    const h = await startProcedure(env, taskQueue, 'restart-p2p', { node });
    const r = await h.result();
    expect(r.status).toBe('completed');
    expect(faultsOf(node)).toEqual([]);
    expect(sim.state().nodes.find((n) => n.name === node)!.daemon).toBe('running');
    const cmds = sim.state().mutations.filter((m) => m.node === node).map((m) => m.command);
    expect(cmds.some((c) => c.includes('pkill'))).toBe(true);
    expect(cmds.some((c) => c.includes('nohup python -m app.distributed.p2p_daemon'))).toBe(true);
  });

  it('fix-tailscale fixes tailscale-down over the fallback address', async () => {
    const node = workerNode(1);
    sim.fault(node, 'tailscale-down');
    const h = await startProcedure(env, taskQueue, 'fix-tailscale', { node, autoApprove: true });
    const r = await h.result();
    expect(r.status).toBe('completed');
    expect(faultsOf(node)).toEqual([]);
  });

  it('recover-node fixes a partition with networkd, tailscale and p2p restarts', async () => {
    const node = workerNode(2);
    sim.fault(node, 'partition');
    const h = await startProcedure(env, taskQueue, 'recover-node', { node, autoApprove: true, extra: { stageVerifyMs: 2000 } });
    const r = await h.result();
    expect(r.status, r.summary).toBe('completed');
    expect(faultsOf(node)).toEqual([]);
    const steps = (await h.query('progress')) as { steps: Array<{ name: string; state: string }> };
    expect(steps.steps.filter((s) => s.state === 'done').map((s) => s.name)).toEqual(
      expect.arrayContaining(['restart systemd-networkd', 'restart tailscale', 'stop p2p daemon', 'start p2p daemon']),
    );
  });

  it('repair-sync forces a full resync (approved) when sync is stalled', async () => {
    sim.fault('cluster', 'sync-stalled');
    const h = await startProcedure(env, taskQueue, 'repair-sync', { autoApprove: true, extra: { syncStallMs: 2000 } });
    const r = await h.result();
    expect(r.status, r.summary).toBe('completed');
    expect(sim.state().cluster_faults).toEqual([]);
    expect(sim.state().sync.progress).toBe(1);
  });

  it('update-hosts writes the new address atomically, keeps a backup, and the node answers again', async () => {
    const node = workerNode(3);
    sim.fault(node, 'ip-changed');
    const moved = sim.state().nodes.find((n) => n.name === node)!.moved_to;
    const h = await startProcedure(env, taskQueue, 'update-hosts', { autoApprove: true });
    const r = await h.result();
    expect(r.status, r.summary).toBe('completed');
    expect(r.summary).toContain(`${node}:`);
    // The simulator notices the rewritten file on its next poll of it.
    await expect.poll(() => sim.state().nodes.find((n) => n.name === node)!.host).toBe(moved);
    expect(faultsOf(node)).toEqual([]);
    const backups = readdirSync(dirname(sim.hostsFile)).filter((f) => f.startsWith(`${basename(sim.hostsFile)}.bak-`));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dirname(sim.hostsFile), backups[0]!), 'utf8')).not.toContain(moved!);
    expect(readFileSync(sim.hostsFile, 'utf8')).toContain(`host: ${moved}`);
  });

  it('host-down ends escalated with the §6.2 bundle and nothing mutated', async () => {
    const node = workerNode(4);
    sim.fault(node, 'host-down');
    const before = mutationCount();
    for (const procedure of ['restart-p2p', 'recover-node', 'fix-tailscale']) {
      const h = await startProcedure(env, taskQueue, procedure, { node, autoApprove: true });
      const r = await h.result();
      expect(r.status, procedure).toBe('escalated');
      expect(r.escalation?.reasons.join(' ')).toMatch(node);
      expect(r.escalation?.p2pStatus?.length).toBeGreaterThan(0);
    }
    expect(mutationCount()).toBe(before);
  });
});

describe('dry runs', () => {
  it('report every mutating step and leave the mutation log unchanged, for every procedure', async () => {
    const [p2p, ts, part, moved] = [workerNode(0), workerNode(1), workerNode(2), workerNode(3)];
    sim.fault(p2p, 'p2p-down');
    sim.fault(ts, 'tailscale-down');
    sim.fault(part, 'partition');
    sim.fault(moved, 'ip-changed');
    sim.fault('cluster', 'sync-stalled');
    sim.fault('cluster', 'election-stuck');
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['restart-p2p', p2p, /stop p2p daemon/],
      ['fix-tailscale', ts, /restart tailscale/],
      ['recover-node', part, /restart systemd-networkd/],
      ['force-election', undefined, /stop p2p daemon/],
      ['repair-sync', undefined, /force full resync/],
      ['update-hosts', moved, /write hosts file/],
    ];
    const before = mutationCount();
    for (const [procedure, node, mutating] of cases) {
      const h = await startProcedure(env, taskQueue, procedure, { ...(node !== undefined && { node }), dryRun: true });
      const r = await h.result();
      expect(r, procedure).toMatchObject({ dryRun: true, status: 'completed' });
      const progress = (await h.query('progress')) as { steps: Array<{ name: string; state: string; detail?: string }> };
      const wouldRun = progress.steps.filter((s) => s.state === 'skipped' && s.detail?.startsWith('dry run: would'));
      expect(wouldRun.map((s) => s.name).join(', '), procedure).toMatch(mutating);
    }
    expect(sim.state().mutations.slice(before)).toEqual([]);
    expect(faultsOf(p2p)).toEqual(['p2p-down']);
    expect(faultsOf(part)).toEqual(['partition']);
  });
});
