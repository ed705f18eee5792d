// Branch logic at the fast speed (CONTRIBUTING.md, "How the tests are organised"): the real
// workflows on the time-skipping test server, with fake activities describing a cluster in a few
// lines instead of a simulator. The end-to-end suites (procedures, force-election, approvals,
// safety…) prove the same branches on the simulator; these run in seconds, skip approval deadlines
// at once, and fail naming the branch. Covered: the quorum skip of the rolling voter restart, the
// approval deadline, a stalled sync forcing a resync, and a dry run that mutates nothing.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunbookActivities } from '../../activities/index.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import type { NodeProbe, P2pStatus, SshResult, SyncStatus } from '../../src/domain/probes.js';
import type { ProcedureName } from '../../workflows/registry.js';
import { progressQuery } from '../../workflows/messages.js';
import { startProcedure, type StartOptions } from '../helpers/procedures.js';
import { startTimeSkippingEnv, uniqueId, workflowBundle } from '../helpers/temporal-env.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** A cluster in a few fields; the fakes read it and record every call. */
interface World {
  voters: string[];
  workers: string[];
  /** Nodes whose daemon runs and is in the mesh. */
  alive: Set<string>;
  leader: string | null;
  /** What the two sync watches report, in order. */
  watches: Array<'stalled' | 'complete'>;
  calls: Array<{ name: string; input: unknown }>;
}

function world(o: Partial<World> = {}): World {
  const voters = o.voters ?? ['v1', 'v2', 'v3', 'v4', 'v5'];
  const workers = o.workers ?? ['w1', 'w2'];
  return { voters, workers, alive: o.alive ?? new Set([...voters, ...workers]), leader: o.leader === undefined ? 'v1' : o.leader, watches: o.watches ?? ['complete'], calls: [] };
}

const status = (w: World, node: string): P2pStatus => ({
  node_id: node,
  status: 'running',
  leader_id: w.leader,
  alive_peers: w.alive.size,
  total_peers: w.voters.length + w.workers.length,
  cluster_health: w.leader === null ? 'critical' : 'healthy',
});

function fakeActivities(w: World): RunbookActivities {
  const all = (): string[] => [...w.voters, ...w.workers];
  const record = (name: string, input: unknown): void => {
    w.calls.push({ name, input });
  };
  const probe = (node: string): NodeProbe => {
    const up = w.alive.has(node);
    return {
      name: node,
      via: 'primary',
      checks: { p2p: { ok: up, ms: 1, ...(!up && { error: 'ECONNREFUSED' }) }, http: { ok: true, ms: 1 }, ssh: { ok: true, ms: 1 } },
      ...(up && { status: status(w, node) }),
    };
  };
  const fakes = {
    async clusterInfo() {
      record('clusterInfo', {});
      return { nodes: all().map((name) => ({ name, host: name, voter: w.voters.includes(name), provider: 'fake' })), backbone: w.voters[0]!, coordinator: w.voters[0]!, voters: w.voters };
    },
    async reachability() {
      record('reachability', {});
      return { total: all().length, unreachable: 0 };
    },
    async probeNodes(input: { nodes: string[] }) {
      record('probeNodes', input);
      return input.nodes.map(probe);
    },
    async p2pStatus(input: { node: string }) {
      record('p2pStatus', input);
      return w.alive.has(input.node) ? { ok: true, status: status(w, input.node), via: 'primary' as const } : { ok: false, error: 'ECONNREFUSED' };
    },
    // §11: the fresh look and the quorum count as the cluster sees it; this world has no blind spots.
    async lookAgain(input: { node: string }) {
      record('lookAgain', input);
      const up = w.alive.has(input.node);
      return { node: input.node, state: up ? ('healthy' as const) : ('p2p-down' as const), detail: up ? 'running' : 'ECONNREFUSED' };
    },
    async votersAliveSeenByCluster(input: { voters: string[] }) {
      record('votersAliveSeenByCluster', input);
      return { alive: input.voters.filter((v) => w.alive.has(v)), fromPeers: [] };
    },
    async peerChecks(input: { checks: Array<{ node: string; peers: string[] }> }) {
      record('peerChecks', input);
      return input.checks.map((c) => ({ node: c.node, from: c.peers[0]!, p2p: 'refused' as const, ssh: 'answers' as const }));
    },
    async leaderView() {
      record('leaderView', {});
      const answered = all().filter((n) => w.alive.has(n));
      return { leader: w.leader, answered: answered.length, agreeing: answered.length, connected: answered };
    },
    async triggerElection(input: { node: string }) {
      record('triggerElection', input);
      return { accepted: true, httpStatus: 202, via: 'primary' as const };
    },
    async waitForLeader() {
      record('waitForLeader', {});
      return { leader: w.leader, polls: 1 };
    },
    async waitForNode(input: { node: string }) {
      record('waitForNode', input);
      return { reached: true, polls: 1, last: status(w, input.node) };
    },
    async sshRun(input: { node: string; step: string }): Promise<SshResult> {
      record('sshRun', input);
      if (input.step === 'p2p-stop') w.alive.delete(input.node);
      if (input.step === 'p2p-start') w.alive.add(input.node);
      return { node: input.node, step: input.step, via: 'primary', exitCode: 0, stdout: '', stderr: '', truncated: false, ms: 1 };
    },
    // The escalation bundle's evidence.
    async tailscaleStatus() {
      record('tailscaleStatus', {});
      return { backendState: 'Running', peers: all().map((name) => ({ name, online: true, ips: [] })) };
    },
    async nodeHealth(input: { nodes: string[] }) {
      record('nodeHealth', input);
      return [];
    },
    async routingChecks(input: { nodes: string[] }) {
      record('routingChecks', input);
      return [];
    },
    async syncStatus(): Promise<SyncStatus> {
      record('syncStatus', {});
      return { stalled: false, inProgress: true, progress: 0.3, categories: {} };
    },
    async triggerSync(input: { categories: string[] }) {
      record('triggerSync', input);
      return { accepted: true };
    },
    // The escalation ending (§6.2 bundle, §6 page): recorded, answered as nothing to report.
    async recentConfigChanges(input: unknown) {
      record('recentConfigChanges', input);
      return [];
    },
    async notify(input: { dedupKey: string; action: string }) {
      record('notify', input);
      return { dedupKey: input.dedupKey, action: input.action, sentAt: new Date(0).toISOString(), deliveries: [] };
    },
    async watchSync() {
      record('watchSync', {});
      const outcome = w.watches.shift() ?? 'complete';
      return { outcome, progress: outcome === 'complete' ? 1 : 0.3 };
    },
  };
  // Only what these procedures call: an activity missing here fails its run loudly.
  return fakes as unknown as RunbookActivities;
}

async function run(w: World, procedure: Exclude<ProcedureName, 'diagnose'>, o: StartOptions = {}): Promise<{ result: ProcedureResult; steps: Map<string, { state: string; detail?: string }> }> {
  const taskQueue = uniqueId('fast-q');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakeActivities(w) });
  return worker.runUntil(async () => {
    const h = await startProcedure(env, taskQueue, procedure, o);
    const result = (await h.result()) as ProcedureResult;
    const p = await h.query(progressQuery);
    return { result, steps: new Map(p.steps.map((s) => [s.name, { state: s.state, ...(s.detail !== undefined && { detail: s.detail }) }])) };
  });
}

const sshSteps = (w: World): string[] => w.calls.filter((c) => c.name === 'sshRun').map((c) => {
  const i = c.input as { node: string; step: string };
  return `${i.step}@${i.node}`;
});

describe('branch logic on fake activities (time-skipping server)', () => {
  it('rolling voter restart: skips every voter whose stop would break quorum, restarts only the down ones', async () => {
    // Leaderless, 3 of 5 voters alive: stopping any live one would leave 2, below the quorum of 3.
    const w = world({ leader: null, alive: new Set(['v1', 'v2', 'v3', 'w1', 'w2']) });
    const { result, steps } = await run(w, 'force-election', { autoApprove: true });
    for (const v of ['v1', 'v2', 'v3']) {
      expect(steps.get(`${v}: stop p2p daemon`), v).toMatchObject({ state: 'skipped', detail: expect.stringMatching(/3\/5 voters alive, quorum needs 3/) });
    }
    expect(sshSteps(w).filter((s) => s.startsWith('p2p-stop'))).toEqual(['p2p-stop@v4', 'p2p-stop@v5']);
    expect(result).toMatchObject({ status: 'escalated', escalation: { reasons: ['no leader after triggering an election and restarting every voter'] } });
  });

  it('approval deadline: an unanswered high-risk gate escalates after the timeout and the gated step never runs', async () => {
    const w = world({ watches: ['stalled'] });
    const { result, steps } = await run(w, 'repair-sync', { approvalTimeoutMs: 15 * 60_000, extra: { syncStallMs: 1000 } });
    expect(result).toMatchObject({ status: 'escalated', escalation: { reasons: ['approval for "force full resync" timed out after 15 min'] } });
    expect(steps.get('force full resync')?.state).not.toBe('completed');
    // The §6.2 bundle reads `tailscale status` on healthy nodes (read-only); nothing else ran.
    expect(sshSteps(w).filter((s) => !s.startsWith('tailscale-status@'))).toEqual([]);
  });

  it('stalled sync: forces a full resync on the coordinator, once, then completes when the resync does', async () => {
    const w = world({ watches: ['stalled', 'complete'] });
    const { result } = await run(w, 'repair-sync', { autoApprove: true, extra: { syncStallMs: 1000 } });
    expect(result).toMatchObject({ status: 'completed', summary: 'sync complete after a forced full resync' });
    expect(sshSteps(w)).toEqual(['force-full-sync@v1']);
  });

  it('a sync that completes never forces a resync', async () => {
    const w = world({ watches: ['complete'] });
    const { result } = await run(w, 'repair-sync', { autoApprove: true });
    expect(result.status).toBe('completed');
    expect(sshSteps(w)).toEqual([]);
  });

  it('dry run: restart-p2p reports the steps it would take and runs no mutation', async () => {
    const w = world({ leader: null });
    w.alive.delete('w1');
    const { result, steps } = await run(w, 'restart-p2p', { node: 'w1', dryRun: true });
    expect(result).toMatchObject({ status: 'completed', summary: 'dry run: would restart P2P on w1' });
    expect(sshSteps(w)).toEqual([]);
    expect(w.calls.map((c) => c.name)).not.toContain('waitForNode');
    for (const s of ['stop p2p daemon', 'start p2p daemon', 'wait until p2p healthy', 'verify rejoined']) expect(steps.get(s)?.state, s).toBe('skipped');
  });
});
