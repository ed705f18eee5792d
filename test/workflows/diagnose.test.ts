// diagnose through a real worker and dev server against the simulator: for every fault kind,
// alone and combined on several nodes, the report names exactly the injected faults.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { startWorkflow } from '../../src/client/start.js';
import type { DiagnoseReport } from '../../src/domain/report.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { useClusterHarness } from '../helpers/harness.js';
import { uniqueId } from '../helpers/temporal-env.js';
import { subnet } from '../helpers/subnets.js';

// The harness clears every injected fault after each test.
const harness = useClusterHarness({ name: 'diagnose', nodes: 10, subnet: subnet('workflows/diagnose') });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

function node(i: number): string {
  return sim.state().nodes[i]!.name;
}

async function diagnose(): Promise<DiagnoseReport> {
  const h = await startWorkflow(env.client, 'diagnose', { taskQueue: harness.taskQueue, workflowId: uniqueId('diagnose'), input: { batchSize: 4 } });
  return h.result();
}

const found = (r: DiagnoseReport): string[] => r.findings.map((f) => `${f.kind}@${f.node ?? 'cluster'}`).sort();

describe('diagnose', () => {
  it('finds nothing on a healthy cluster and reports it like §3.1', async () => {
    const r = await diagnose();
    expect(found(r)).toEqual([]);
    expect(r.cluster.leader_id).toBe(sim.state().leader_id);
    expect(r.cluster).toMatchObject({ alive_peers: 10, total_peers: 10, voters_total: 5, voters_alive: 5 });
    expect(r.nodes).toHaveLength(10);
    expect(r.nodes.every((n) => n.via === 'primary' && n.checks.p2p.ok && n.checks.tailscale.ok)).toBe(true);
    expect(r.escalate).toEqual({ needed: false, reasons: [] });
  });

  for (const kind of ['p2p-down', 'tailscale-down', 'partition', 'host-down', 'ip-changed']) {
    it(`finds ${kind} on exactly the node it was injected on`, async () => {
      sim.fault(node(7), kind);
      const r = await diagnose();
      expect(found(r)).toEqual([`${kind}@${node(7)}`]);
    });
  }

  for (const kind of ['leader-lost', 'sync-stalled']) {
    it(`finds the cluster fault ${kind}`, async () => {
      sim.fault('cluster', kind);
      const r = await diagnose();
      expect(found(r)).toEqual([`${kind}@cluster`]);
      expect(r.recommended.map((x) => x.procedure)).toEqual([kind === 'leader-lost' ? 'force-election' : 'repair-sync']);
    });
  }

  it('finds combined faults on several nodes, and drills into the sick ones over SSH', async () => {
    sim.fault(node(2), 'p2p-down');
    sim.fault(node(3), 'tailscale-down');
    sim.fault(node(5), 'host-down');
    sim.fault(node(6), 'partition');
    sim.fault(node(8), 'ip-changed');
    sim.fault('cluster', 'sync-stalled');
    const r = await diagnose();
    expect(found(r)).toEqual(
      [
        `p2p-down@${node(2)}`,
        `tailscale-down@${node(3)}`,
        `host-down@${node(5)}`,
        `partition@${node(6)}`,
        `ip-changed@${node(8)}`,
        'sync-stalled@cluster',
      ].sort(),
    );
    expect(r.nodes.find((n) => n.name === node(3))?.via).toBe('fallback');
    expect(r.nodes.find((n) => n.name === node(5))?.via).toBe('none');
    const drilled = new Map((r.drilldown ?? []).map((d) => [d.node, d]));
    expect(drilled.get(node(2))?.sections['P2P Process']).not.toMatch(/app\.distributed\.p2p_daemon/);
    expect(drilled.get(node(6))?.ok).toBe(true);
    expect(r.escalate.reasons).toContain('data sync completely stalled');
    // §3.4 for the nodes that do not answer: the dead host still accepts TCP on its SSH port.
    const routes = new Map((r.routing ?? []).map((x) => [x.node, x]));
    expect([...routes.keys()].sort()).toEqual([node(5), node(8)].sort());
    expect(routes.get(node(5))!.tcp.length).toBeGreaterThan(0);
  });

  it('escalates when more than half the nodes are down (§6.1)', async () => {
    for (const i of [1, 2, 3, 4, 6, 8]) sim.fault(node(i), 'host-down');
    const r = await diagnose();
    expect(r.findings.filter((f) => f.kind === 'host-down')).toHaveLength(6);
    expect(r.escalate.needed).toBe(true);
    expect(r.escalate.reasons[0]).toMatch(/6 of 10 nodes unreachable/);
  });
});
