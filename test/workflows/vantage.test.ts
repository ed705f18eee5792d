// DESIGN §11 on the simulator through a real worker and dev server: a node the worker cannot
// reach while the cluster sees it alive (`blind-to-worker`) is reported as
// `unreachable-from-worker`, never remediated; many of them escalate naming the worker's own
// network. What changed is read from the simulator's mutation log.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { startWorkflow } from '../../src/client/start.js';
import type { DiagnoseReport } from '../../src/domain/report.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { activityDeps } from '../../src/worker/deps.js';
import { runActivity } from '../activities/helpers.js';
import { ADMIN_KEY, testPolicy } from '../helpers/cluster.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { approveSignal, progressQuery } from '../../workflows/messages.js';
import type { Progress } from '../../src/domain/progress.js';
import type { ProcedureName } from '../../workflows/registry.js';
import { waitFor, waitForApproval, waitForProgress } from '../helpers/wait.js';
import { subnet } from '../helpers/subnets.js';
import { uniqueId } from '../helpers/temporal-env.js';

const harness = useClusterHarness({ name: 'vantage', nodes: 8, subnet: subnet('workflows/vantage'), voters: 3 });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

const names = (): string[] => sim.state().nodes.map((n) => n.name);
const workers = (): string[] => sim.state().nodes.filter((n) => n.role === 'worker').map((n) => n.name);
const voters = (): string[] => sim.state().nodes.filter((n) => n.role === 'voter').map((n) => n.name);
const sshMutations = (): number => sim.state().mutations.filter((m) => m.source === 'ssh').length;

/** A ClusterConnectivityDegraded incident for the whole cluster, started as the webhook would. */
function clusterIncident(fingerprint: string) {
  return startWorkflow(env.client, 'connectivity-incident', {
    taskQueue: harness.taskQueue,
    workflowId: uniqueId('incident'),
    input: {
      alert: { alertname: 'ClusterConnectivityDegraded', fingerprint, startsAt: new Date().toISOString(), status: 'firing', labels: {} },
      procedure: 'connectivity-incident',
      mode: 'remediate',
      target: 'cluster',
      resolveWaitMs: 1_000,
      slotsWorkflowId: `slots-${harness.taskQueue}`,
    },
  });
}

async function diagnose(): Promise<DiagnoseReport> {
  const h = await startWorkflow(env.client, 'diagnose', { taskQueue: harness.taskQueue, workflowId: uniqueId('diagnose'), input: {} });
  return (await h.result()) as DiagnoseReport;
}

describe('a node blind to the worker', () => {
  it('diagnose: unreachable-from-worker, seen alive from a peer, recommended nothing, no escalation', async () => {
    const [blind] = workers();
    sim.fault(blind!, 'blind-to-worker');
    const r = await diagnose();
    expect(r.findings).toEqual([
      expect.objectContaining({
        kind: 'unreachable-from-worker',
        node: blind,
        seenBy: { worker: 'p2p-silent', peers: 'alive' },
      }),
    ]);
    expect(r.recommended).toEqual([]);
    expect(r.escalate.needed).toBe(false);
    expect(r.cluster.alive_peers).toBe(8);
  });

  it('a blind node beside a dead daemon: the peer check tells them apart', async () => {
    // One dead daemon makes the counts ambiguous (7 alive of 8, two nodes silent to the worker).
    const [blind, dead] = workers();
    sim.fault(blind!, 'blind-to-worker');
    sim.fault(dead!, 'p2p-down');
    const r = await diagnose();
    const byNode = new Map(r.findings.map((f) => [f.node, f]));
    expect(byNode.get(blind)).toMatchObject({ kind: 'unreachable-from-worker', seenBy: { peers: 'alive', fromPeer: { p2p: 'answers', ssh: 'answers' } } });
    expect(byNode.get(dead)).toMatchObject({ kind: 'p2p-down', seenBy: { peers: 'dead', fromPeer: { p2p: 'refused' } } });
    expect(r.recommended.map((x) => `${x.procedure}:${x.node}`)).toEqual([`restart-p2p:${dead}`]);
  });

  it('restart-p2p on it changes nothing: the fresh look finds the cluster sees it alive', async () => {
    const [blind] = workers();
    sim.fault(blind!, 'blind-to-worker');
    const before = sshMutations();
    const h = await startProcedure(env, harness.taskQueue, 'restart-p2p', { node: blind! });
    const r = await h.result();
    expect(r).toMatchObject({ status: 'completed', summary: expect.stringMatching(/only the worker cannot reach it: nothing changed/) });
    expect(sshMutations()).toBe(before);
    // Nobody was asked to approve a restart the cluster does not need.
    const p: Progress = await h.query(progressQuery);
    expect(p.steps.find((s) => s.name === 'approve restart p2p')?.state).toBe('skipped');
  });

  // fix-tailscale reads the node's own Tailscale status first (online here), so its first look
  // decides; recover-node's first look (its SSH reach check) passes, so the cluster is asked.
  it.each<[ProcedureName, string]>([
    ['fix-tailscale', 'skipped'],
    ['recover-node', 'done'],
  ])('%s on it asks nobody to approve and changes nothing: the cluster sees it alive', async (procedure, asked) => {
    const [blind] = workers();
    sim.fault(blind!, 'blind-to-worker');
    const before = sshMutations();
    const h = await startProcedure(env, harness.taskQueue, procedure, { node: blind! });
    // Ends by itself, or stops at a gate a human would be paged for: either way the test decides now.
    const p = await waitForProgress(h, 'the run to end or ask for an approval', (x) => x.status !== 'running', { timeoutMs: 60_000 });
    expect(p.status, `${procedure} on a node only the worker cannot see: ${JSON.stringify(p.steps)}`).toBe('completed');
    const ask = p.steps.find((s) => s.name === 'ask the cluster');
    expect(ask?.state).toBe(asked);
    if (asked === 'done') expect(ask?.detail).toMatch(/only the worker cannot reach/);
    // No gate opened, not even one the policy would auto-approve (a stricter policy pages for it).
    expect(p.steps.filter((s) => s.name.startsWith('approve ')).map((s) => `${s.name}=${s.state}`).filter((x) => !x.endsWith('=skipped'))).toEqual([]);
    expect(sshMutations()).toBe(before);
  });

  it('an incident for the whole cluster mutates nothing', async () => {
    const [blind] = workers();
    sim.fault(blind!, 'blind-to-worker');
    const before = sshMutations();
    const h = await clusterIncident('f1');
    const r = await h.result();
    expect(r.status).toBe('completed');
    expect(sshMutations()).toBe(before);
  });

  it('the quorum guard counts a voter only the worker cannot see as alive', async () => {
    const [v1, v2] = voters();
    sim.fault(v2!, 'blind-to-worker');
    const acts = createActivities(activityDeps({ hostsFile: sim.hostsFile, policy: testPolicy(), adminKey: ADMIN_KEY }));
    const { result } = await runActivity(() => acts.votersAliveSeenByCluster({ voters: voters() }));
    expect(result.alive).toEqual(voters());
    expect(result.fromPeers).toEqual([v2]);
    expect(result.alive).toContain(v1);
  });

  it('the heartbeat sweep keeps it out of the misses', async () => {
    const [blind, dead] = workers();
    sim.fault(blind!, 'blind-to-worker');
    sim.fault(dead!, 'p2p-down');
    const acts = createActivities(activityDeps({ hostsFile: sim.hostsFile, policy: testPolicy(), adminKey: ADMIN_KEY }));
    const { result } = await runActivity(() => acts.heartbeatSweep({}));
    expect(result.missed).toEqual([{ node: dead, kind: 'p2p-down' }]);
    expect(result.unreachableFromWorker).toEqual([blind]);
  });
});

describe('one owner per node', () => {
  it('an incident waits for the procedure already working on the node; its own child then changes nothing', async () => {
    const [node] = workers();
    sim.fault(node!, 'p2p-down');
    const owner = await startProcedure(env, harness.taskQueue, 'restart-p2p', {
      node: node!,
      extra: { approval: { timeoutMs: 600_000, modes: { low: 'require', high: 'require' } } },
    });
    await waitForApproval(owner);
    const incident = await clusterIncident('f2');
    await waitFor('the incident to wait for the owner', async () => {
      const p: Progress = await incident.query(progressQuery);
      return p.steps.find((s) => s.detail?.includes(`is worked on by restart-p2p ${owner.workflowId}`));
    });
    await owner.signal(approveSignal, { by: 'alice' });
    expect(await owner.result()).toMatchObject({ status: 'completed' });
    expect(await incident.result()).toMatchObject({ status: 'completed' });
    const changes = sim.state().mutations.filter((m) => m.node === node && m.source === 'ssh');
    expect(changes).toHaveLength(2); // one stop and one start: the owner's
  });
});

describe('more than half the nodes blind to the worker', () => {
  it("diagnose escalates naming the worker's own network and recommends nothing", async () => {
    const blind = names().slice(0, 5);
    for (const n of blind) sim.fault(n, 'blind-to-worker');
    const r = await diagnose();
    expect(r.findings.map((f) => f.kind)).toEqual(Array(5).fill('unreachable-from-worker'));
    expect(r.recommended).toEqual([]);
    expect(r.escalate.needed).toBe(true);
    expect(r.escalate.reasons).toEqual([expect.stringMatching(/worker cannot reach 5 of 8 nodes that the cluster sees alive: check the worker's own network/)]);
  });
});
