// update-hosts against a tailnet with an impostor (a device picks its own HostName), through a real
// worker and dev server against the simulator: a device that calls itself by a node's name never
// gets its address into the hosts file; the procedure escalates and says which devices. Subnet 70.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { subnet } from '../helpers/subnets.js';

const harness = useClusterHarness({ name: 'update-hosts-rogue', nodes: 6, subnet: subnet('workflows/update-hosts-rogue'), voters: 3 });
const taskQueue = harness.taskQueue;
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

const workerNode = (i: number): string => sim.state().nodes.filter((n) => n.role === 'worker')[i]!.name;
const nodeState = (name: string) => sim.state().nodes.find((n) => n.name === name)!;
const backups = (): string[] => readdirSync(dirname(sim.hostsFile)).filter((f) => f.startsWith(`${basename(sim.hostsFile)}.bak-`));
/** The impostor's address: the simulator puts it at 127.<subnet>.255.x. */
const ROGUE = /127\.70\.255\.\d+/;

describe('update-hosts with a rogue tailnet peer', () => {
  it('escalates, names both devices and leaves the hosts file untouched when an impostor claims a node', async () => {
    const node = workerNode(0);
    sim.fault(node, 'rogue-peer');
    const before = readFileSync(sim.hostsFile, 'utf8');
    const h = await startProcedure(env, taskQueue, 'update-hosts', { autoApprove: true });
    const r = await h.result();
    expect(r.status, r.summary).toBe('escalated');
    const reasons = r.escalation?.reasons.join('\n') ?? '';
    expect(reasons).toContain(`several tailnet devices claim ${node}`);
    expect(reasons).toContain(`${nodeState(node).host}, online`);
    expect(reasons).toMatch(ROGUE);
    expect(readFileSync(sim.hostsFile, 'utf8')).toBe(before);
    expect(backups()).toEqual([]);
  });

  it('does not move a node that changed address to the impostor claiming it', async () => {
    const node = workerNode(1);
    sim.fault(node, 'ip-changed');
    sim.fault(node, 'rogue-peer');
    const before = readFileSync(sim.hostsFile, 'utf8');
    const h = await startProcedure(env, taskQueue, 'update-hosts', { node, autoApprove: true });
    const r = await h.result();
    expect(r.status, r.summary).toBe('escalated');
    expect(r.escalation?.reasons.join('\n')).toContain(`${nodeState(node).moved_to}, online`);
    expect(readFileSync(sim.hostsFile, 'utf8')).toBe(before);
    expect(nodeState(node).faults).toEqual(['ip-changed', 'rogue-peer']);
  });

  it('still moves another node, matched by its MagicDNS name, while an impostor claims a different one', async () => {
    const [moved, claimed] = [workerNode(2), workerNode(0)];
    sim.fault(moved, 'ip-changed');
    sim.fault(claimed, 'rogue-peer');
    const to = nodeState(moved).moved_to!;
    const h = await startProcedure(env, taskQueue, 'update-hosts', { node: moved, autoApprove: true });
    const r = await h.result();
    expect(r.status, r.summary).toBe('completed');
    await expect.poll(() => nodeState(moved).host).toBe(to);
    expect(nodeState(moved).faults).toEqual([]);
    expect(readFileSync(sim.hostsFile, 'utf8')).not.toMatch(ROGUE);
  });
});
