// Recovery procedures through a real worker and dev server against the simulator: each fixes
// the fault it is for (checked on the simulator, not on the procedure's word), host-down
// escalates untouched, dry runs change nothing, mutations run once, and no secret reaches
// the histories of any of these runs.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../src/domain/progress.js';
import type { RemedyName } from '../../src/domain/report.js';
import { MUTATING_STEPS } from '../../src/domain/ssh-catalog.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { progressQuery } from '../../workflows/messages.js';
import { createTestWorker } from '../helpers/cluster.js';
import { useClusterHarness } from '../helpers/harness.js';
import { type StartOptions, startProcedure as startOn } from '../helpers/procedures.js';
import { clusterSecrets, expectNoSecrets } from '../helpers/secrets.js';
import { uniqueId } from '../helpers/temporal-env.js';
import { subnet } from '../helpers/subnets.js';

const harness = useClusterHarness({ name: 'procedures', nodes: 8, subnet: subnet('workflows/procedures'), voters: 3 });
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

/** Every run of this file, so the last test can scan all their histories for secrets. */
const runs: Array<WorkflowHandle> = [];
async function startProcedure<N extends RemedyName>(
  e: TestWorkflowEnvironment,
  queue: string,
  procedure: N,
  o: StartOptions<N> = {},
): ReturnType<typeof startOn<N>> {
  const h = await startOn(e, queue, procedure, o);
  runs.push(h);
  return h;
}

const progressOf = (h: WorkflowHandle): Promise<Progress> => h.query(progressQuery);
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const backupsOf = (file: string): string[] => readdirSync(dirname(file)).filter((f) => f.startsWith(`${basename(file)}.bak-`));

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
    // Mutations run once: exactly one stop and one start for one restart.
    const cmds = sim.state().mutations.filter((m) => m.node === node && m.source === 'ssh').map((m) => m.command);
    expect(cmds.filter((c) => c.includes('pkill'))).toHaveLength(1);
    expect(cmds.filter((c) => c.includes('nohup python -m app.distributed.p2p_daemon'))).toHaveLength(1);
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
    const steps = await h.query(progressQuery);
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
    for (const procedure of ['restart-p2p', 'recover-node', 'fix-tailscale'] as const) {
      const h = await startProcedure(env, taskQueue, procedure, { node, autoApprove: true });
      const r = await h.result();
      expect(r.status, procedure).toBe('escalated');
      // The no-address check escalated, not a later SSH step timing out against the dead host.
      expect(r.escalation?.reasons, procedure).toEqual([expect.stringMatching(new RegExp(`^${node} answers on no address .*host down\\?`))]);
      expect(r.escalation?.p2pStatus?.length).toBeGreaterThan(0);
      // Only the look at the node ran, then the escalation's page (§6): no step in between (no
      // mutating one) ever started.
      const ran = (await progressOf(h)).steps.filter((s) => s.state !== 'skipped' && s.state !== 'pending');
      expect(ran.map((s) => `${s.name}=${s.state}`), procedure).toEqual(['check node=done', 'notify=done']);
    }
    expect(mutationCount()).toBe(before);
  });
});

describe('dry runs', () => {
  it('skip every mutating step, leave the mutation log and the hosts file unchanged, for every procedure', async () => {
    const [p2p, ts, part, moved] = [workerNode(0), workerNode(1), workerNode(2), workerNode(3)];
    sim.fault(p2p, 'p2p-down');
    sim.fault(ts, 'tailscale-down');
    sim.fault(part, 'partition');
    sim.fault(moved, 'ip-changed');
    sim.fault('cluster', 'sync-stalled');
    sim.fault('cluster', 'election-stuck');
    const voters = sim.state().voter_nodes;
    const rolling = voters.flatMap((v) => [`${v}: stop p2p daemon`, `${v}: start p2p daemon`, `${v}: wait until p2p healthy`]);
    // Every step a dry run must report instead of running: each gate, each mutation, and the
    // waits that only make sense after a mutation.
    const cases: Array<[RemedyName, string | undefined, string[]]> = [
      ['restart-p2p', p2p, ['approve restart p2p', 'stop p2p daemon', 'start p2p daemon', 'wait until p2p healthy', 'verify rejoined']],
      ['fix-tailscale', ts, ['approve restart tailscale', 'restart tailscale', 'tailscale up', 'verify tailscale online']],
      [
        'recover-node',
        part,
        ['approve restart systemd-networkd', 'restart systemd-networkd', 'approve restart tailscale', 'restart tailscale', 'tailscale up',
          'approve restart p2p', 'stop p2p daemon', 'start p2p daemon', 'wait until p2p healthy', 'verify rejoined'],
      ],
      ['force-election', undefined, ['approve trigger election', 'trigger election', 'approve rolling voter restart', ...rolling]],
      ['repair-sync', undefined, ['approve trigger sync', 'trigger sync', 'approve force full resync', 'force full resync']],
      ['update-hosts', moved, ['approve write hosts file', 'write hosts file']],
    ];
    const before = mutationCount();
    const hostsHash = sha256(sim.hostsFile);
    const backups = backupsOf(sim.hostsFile);
    for (const [procedure, node, mustSkip] of cases) {
      const h = await startProcedure(env, taskQueue, procedure, { ...(node !== undefined && { node }), dryRun: true });
      const r = await h.result();
      expect(r, procedure).toMatchObject({ dryRun: true, status: 'completed' });
      const steps = (await progressOf(h)).steps;
      const reported = steps.filter((s) => s.state === 'skipped' && s.detail?.startsWith('dry run'));
      const names = new Set(reported.map((s) => s.name));
      // fix-tailscale's step names vary with the path taken (fallback or detached): a step
      // listed here that the run never declared is fine, one declared and not reported is not.
      const declared = new Set(steps.map((s) => s.name));
      expect(mustSkip.filter((n) => declared.has(n) && !names.has(n)), `${procedure}: steps that ran in a dry run`).toEqual([]);
      // Every SSH step the catalog calls mutating was reported as "would", never run.
      const sshMutations = steps.filter((s) => [...MUTATING_STEPS].some((m) => s.detail?.includes(`${m} on `)));
      expect(sshMutations.filter((s) => s.state !== 'skipped').map((s) => s.name), procedure).toEqual([]);
    }
    expect(sim.state().mutations.slice(before)).toEqual([]);
    // update-hosts writes the file directly: compare its bytes, not what the simulator noticed.
    expect(sha256(sim.hostsFile)).toBe(hostsHash);
    expect(backupsOf(sim.hostsFile)).toEqual(backups);
    expect(faultsOf(p2p)).toEqual(['p2p-down']);
    expect(faultsOf(part)).toEqual(['partition']);
  });
});

describe('mutations run once', () => {
  it('a mutating step that fails is tried exactly once, then the run escalates', async () => {
    const node = workerNode(0);
    sim.fault(node, 'p2p-down');
    // The real activities, with the daemon start failing as if the SSH session dropped mid-command
    // (a retryable error: only the mutation preset's single attempt keeps it from re-running).
    let starts = 0;
    const from = mutationCount();
    const queue = uniqueId('once-q');
    const worker = await createTestWorker(env, sim, queue, undefined, (real) => ({
      ...real,
      sshRun: async (input) => {
        if (input.step === 'p2p-start') {
          starts++;
          throw ApplicationFailure.retryable('ssh session dropped mid-command', 'SshSessionDropped');
        }
        return real.sshRun(input);
      },
    }));
    const r = await worker.runUntil(async () => (await startProcedure(env, queue, 'restart-p2p', { node })).result());
    expect(r.status, r.summary).toBe('escalated');
    expect(r.escalation?.reasons).toEqual([expect.stringMatching(/^cannot run p2p-start on .*ssh session dropped mid-command/)]);
    expect(starts).toBe(1);
    const stops = sim.state().mutations.slice(from).filter((m) => m.node === node && m.source === 'ssh' && m.command.includes('pkill'));
    expect(stops).toHaveLength(1);
  });
});

describe('secrets never in history', () => {
  it('no history of this file holds the admin key or the SSH private key', async () => {
    expect(runs.length).toBeGreaterThan(10);
    const secrets = clusterSecrets(sim);
    for (const h of runs) expectNoSecrets(await h.fetchHistory(), secrets, h.workflowId);
  });

  // The scan above proves something only if it would see a key that did get into a history.
  // An activity whose error quotes the admin key (as a careless transport echoing its request
  // would): the same scan must flag that run, naming the failed activity's event. A stand-in
  // key, so the worker's log of the error holds nothing the suite-wide log scan looks for.
  it('the scan catches an admin key in an activity\'s error text', async () => {
    const standIn = `stand-in-admin-key-${uniqueId('k')}`;
    const node = workerNode(0);
    sim.fault(node, 'p2p-down');
    const queue = uniqueId('leaky-q');
    const leaky = await harness.createWorker({
      taskQueue: queue,
      wrap: (real) => ({
        ...real,
        async sshRun() {
          throw new Error(`curl: (22) request with header X-Admin-Key: ${standIn} refused`);
        },
      }),
    });
    await leaky.runUntil(async () => {
      const h = await startOn(env, queue, 'restart-p2p', { node });
      await h.result().catch(() => undefined); // escalated or failed: either way the error is in its history
      let found = '';
      try {
        expectNoSecrets(await h.fetchHistory(), { ...clusterSecrets(sim), 'admin key': standIn }, h.workflowId);
      } catch (e) {
        found = (e as Error).message;
      }
      expect(found).toMatch(/admin key in event \d+ \(activityTaskFailedEventAttributes\)/);
      expect(found).not.toContain(standIn);
    });
  });
});
