// Input the procedures cannot trust, against a real dev server and the simulator
// (docs/explanation/safety.md): a hand-typed `decide` payload, a slow primary that tempts a client
// into repeating a POST, a partitioned node naming a stale leader, and nodes answering /status with
// hostile strings.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_NODE_TEXT } from '../../src/domain/node-text.js';
import type { DiagnoseReport } from '../../src/domain/report.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { type DecideInput, decideUpdate, progressQuery } from '../../workflows/messages.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { historyText } from '../helpers/secrets.js';
import { waitForApproval } from '../helpers/wait.js';
import { subnet } from '../helpers/subnets.js';

const harness = useClusterHarness({ name: 'untrusted', nodes: 9, subnet: subnet('workflows/untrusted-input'), voters: 5 });
const taskQueue = harness.taskQueue;
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

/** Waits on workflow state, never on a fixed sleep; fails with what it saw at the deadline. */
async function resultWithin<T>(p: Promise<T>, what: string, ms = 120_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

const triggers = (from: number) => sim.state().mutations.slice(from).filter((m) => m.command.includes('trigger-election'));

describe('decide update', () => {
  it('refuses "approve": "false" and other mistyped fields with a message naming the field; the step keeps waiting', async () => {
    const node = sim.state().nodes.find((n) => n.role === 'worker')!.name;
    sim.fault(node, 'tailscale-down');
    const before = sim.state().mutations.length;
    const h = await startProcedure(env, taskQueue, 'fix-tailscale', { node });
    await waitForApproval(h, undefined, { timeoutMs: 60_000 });
    const send = (d: Record<string, unknown>) => h.executeUpdate(decideUpdate, { args: [d as unknown as DecideInput] });

    // The string "false" is truthy: read loosely it would approve what the operator rejected.
    await expect(send({ approve: 'false', by: 'mallory' })).rejects.toThrow(WorkflowUpdateFailedError);
    const refused = await send({ approve: 'false', by: 'mallory' }).catch((e: WorkflowUpdateFailedError) => e);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(/"approve" must be true or false/);
    await expect(send({ approve: 1, by: 'mallory' })).rejects.toThrow(WorkflowUpdateFailedError);
    const noBy = await send({ approve: true, by: 42 }).catch((e: WorkflowUpdateFailedError) => e);
    expect((noBy as WorkflowUpdateFailedError).cause?.message).toMatch(/"by" must be a string/);
    const badStep = await send({ approve: true, by: 'eve', step: ['approve restart tailscale'] }).catch((e: WorkflowUpdateFailedError) => e);
    expect((badStep as WorkflowUpdateFailedError).cause?.message).toMatch(/"step" must be a string/);

    // Still waiting, nothing decided, nothing changed on the node; the workflow task never failed.
    const p = await h.query(progressQuery);
    expect(p.status).toBe('awaiting-approval');
    expect(p.decisions).toEqual([]);
    expect(p.steps.find((s) => s.name === 'approve restart tailscale')?.state).toBe('awaiting-approval');
    expect(sim.state().mutations.slice(before).filter((m) => m.source !== 'control')).toEqual([]);

    // A well-typed rejection still works, and ends the run without a change.
    expect(await send({ approve: false, by: 'carol' })).toEqual({ step: 'approve restart tailscale', approved: false });
    const r = await resultWithin(h.result(), 'fix-tailscale after the rejection');
    expect(r.status).toBe('escalated');
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual(['tailscale-down']);
  });
});

describe('force-election', () => {
  it('sends POST /admin/trigger-election once, even when the primary is slow and the fallback works', async () => {
    const backbone = sim.state().coordinator;
    sim.fault(backbone, 'slow-primary');
    sim.fault('cluster', 'leader-lost');
    const from = sim.state().mutations.length;
    const r = await resultWithin((await startProcedure(env, taskQueue, 'force-election')).result(), 'force-election');
    expect(r.status, r.summary).toBe('completed');
    expect(sim.state().leader_id).not.toBeNull();
    // One election asked for, on the node the procedure picked (the slow one: it still answers).
    expect(triggers(from).map((m) => m.node)).toEqual([backbone]);
  });

  it('does not believe a partitioned node that names a stale leader; the majority view decides', async () => {
    const backbone = sim.state().coordinator;
    sim.fault(backbone, 'partition');
    sim.fault('cluster', 'leader-lost');
    // The cut-off node still thinks it leads a healthy cluster (what it knew before the partition).
    sim.overrideStatus(backbone, { leader_id: backbone, role: 'leader', cluster_health: 'healthy', alive_peers: 9 });
    try {
      expect(sim.state().leader_id).toBeNull();
      const from = sim.state().mutations.length;
      const r = await resultWithin((await startProcedure(env, taskQueue, 'force-election')).result(), 'force-election');
      expect(r.status, r.summary).toBe('completed');
      expect(r.summary).not.toMatch(/no election needed/);
      const leader = sim.state().leader_id;
      expect(leader).not.toBeNull();
      expect(leader).not.toBe(backbone);
      // The election was asked of a node in the majority, not of the partitioned one (which refuses it).
      expect(triggers(from).map((m) => m.node)).toEqual([expect.not.stringMatching(backbone)]);
      expect(r.summary).toContain(`leader ${leader}`);
    } finally {
      sim.overrideStatus(backbone, null);
    }
  });
});

describe('node-supplied strings', () => {
  it('caps hostile /status strings in the result and history, escapes them in the Web UI markdown', async () => {
    const nodes = sim.state().nodes.map((n) => n.name);
    const huge = nodes[nodes.length - 1]!;
    const hostile = nodes.filter((n) => n !== huge);
    const evil = '<script>alert(1)</script> **bold** [x](http://evil.example) `tick` | a | b |\n# heading\n- item ';
    // Just under the 256 KiB body cap each: eight of them are about 2 MiB of strings.
    const fields = {
      leader_id: evil + 'L'.repeat(200_000),
      status: evil + 'S'.repeat(20_000),
      role: evil + 'R'.repeat(10_000),
      cluster_health: evil + 'H'.repeat(10_000),
      node_id: evil + 'N'.repeat(10_000),
    };
    for (const n of hostile) sim.overrideStatus(n, fields);
    sim.overrideStatus(huge, { leader_id: 'X'.repeat(1_000_000) });
    try {
      const h = await startProcedure(env, taskQueue, 'diagnose');
      const report = (await resultWithin(h.result(), 'diagnose')) as unknown as DiagnoseReport;

      // The leader the majority names, capped: no more than MAX_NODE_TEXT characters of it kept.
      const leader = report.cluster.leader_id!;
      expect(leader.startsWith('<script>alert(1)</script>')).toBe(true);
      expect(leader).toMatch(/…\[\d+ more chars\]$/);
      expect(leader.length).toBeLessThan(MAX_NODE_TEXT + 30);
      expect(leader).not.toContain('\n');
      // The megabyte answer is refused at the body cap: reported, never stored.
      expect(report.nodes.find((n) => n.name === huge)!.checks.p2p).toMatchObject({ ok: false, error: 'EBODYTOOLARGE' });

      const text = historyText(await h.fetchHistory());
      for (const c of 'LSRHNX') expect(text.includes(c.repeat(MAX_NODE_TEXT + 1)), `a run of ${c} longer than the cap`).toBe(false);
      expect(text.length).toBeLessThan(512 * 1024);

      // The Web UI's current details (markdown) quote the leader escaped: no live HTML, no heading.
      const meta = await h.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      const details = meta.currentDetails ?? '';
      expect(details).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(details).not.toContain('<script>');
      expect(details).toContain('\\*\\*bold\\*\\*');
      expect(details).not.toMatch(/^# heading/m);
    } finally {
      for (const n of nodes) sim.overrideStatus(n, null);
    }
  });
});
