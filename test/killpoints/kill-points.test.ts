// Kill points (a worker may die at any moment; the run must still finish, once): every procedure,
// diagnose and the connectivity-incident run against the simulator with a real `runbook worker`
// process that SIGKILLs itself at an activity boundary (start:N, done:N) or in the middle of a long
// activity or a mutation (mid:N:MS); a fresh worker finishes the run, which must end as the clean
// run did, leave the simulator healthy, and apply no mutation twice (see RETRIED_MUTATIONS and
// ONE_SHOT below for the exceptions and why). RUNBOOK_KILL_POINTS=all runs every point of every
// case, RUNBOOK_KILL_POINTS=all:<case>[,<case>] one shard (slow: see
// docs/explanation/durability.md); the default samples a few points that still cover each kind of
// boundary.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../src/dev/dev-server.js';
import type { AlertRef } from '../../src/domain/incident.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { TASK_QUEUE } from '../../src/temporal/settings.js';
import { alertSignal } from '../../workflows/messages.js';
import { ADMIN_KEY, startCluster } from '../helpers/cluster.js';
import { freePort } from '../helpers/free-port.js';
import { countCommands, type KillCase, type KillEnv, RETRIED_MUTATIONS, type RunActivity, type RunOutcome, runWithKill } from '../helpers/kill-points.js';
import { subnet } from '../helpers/subnets.js';
import { waitFor } from '../helpers/wait.js';
import { workflowBundle } from '../helpers/temporal-env.js';
import { TEST_BUNDLE_ENV } from '../../src/worker/worker.js';

/** `all`, or `all:<case>[,<case>]` for one shard, else the default sample. */
const MODE = process.env['RUNBOOK_KILL_POINTS'] ?? '';
/**
 * Shards run side by side each take their own cluster: RUNBOOK_KILL_POINTS_SUBNET picks one of
 * the numbers kept free for it (89, 91–94: none of them, nor their fallback and ip-changed /16s,
 * is a test file's), never one in the registry.
 */
const SUBNET = shardSubnet(process.env['RUNBOOK_KILL_POINTS_SUBNET']);
function shardSubnet(raw: string | undefined): number {
  if (raw === undefined || raw === '') return subnet('killpoints/kill-points');
  const n = Number(raw);
  if (![89, 91, 92, 93, 94].includes(n)) throw new Error(`RUNBOOK_KILL_POINTS_SUBNET: "${raw}" is not one of 89, 91, 92, 93, 94`);
  return n;
}
const SHARD = MODE === 'all' ? undefined : /^all:(.+)$/.exec(MODE)?.[1]?.split(',');
const ALL = MODE === 'all' || SHARD !== undefined;
/** The long waits (longRunning preset, 30 min): killed in the middle, after this long. */
const LONG_RUNNING_S = 1800;
// Short: at the suite's time scale the sync watch after a forced resync ends within ~300 ms.
const MID_KILL_MS = 50;
// A mutation on the simulator takes tens of ms (SSH connect, exec): killed while it is in flight.
const MID_MUTATION_MS = 5;

let server: DevServer;
let sim: SimulatorHandle;
let client: Client;
let k: KillEnv;
/** Per case: points run and passed; the summary prints them per case and in total. */
const covered = new Map<string, string[]>();
const notFired: string[] = [];

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runbook-kill-'));
  [server, sim] = await Promise.all([
    (async () => startDevServer({ dataDir, port: await freePort(), uiPort: await freePort() }))(),
    startCluster({ nodes: 5, subnet: SUBNET, voters: 3 }),
  ]);
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  // Bundled once here: each point starts two or three worker processes, none webpacks again.
  const bundlePath = join(dataDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, (await workflowBundle()).code);
  k = {
    client,
    sim,
    workerEnv: { TEMPORAL_ADDRESS: server.address, RUNBOOK_CONFIG: sim.hostsFile, RUNBOOK_ADMIN_KEY: ADMIN_KEY, [TEST_BUNDLE_ENV]: bundlePath },
  };
});
afterAll(async () => {
  const total = [...covered.values()].reduce((n, ps) => n + ps.length, 0);
  for (const [c, ps] of covered) console.log(`kill points covered, ${c}: ${ps.length}\n  ${ps.join('\n  ')}`);
  console.log(`kill points covered in total: ${total} in ${covered.size} case(s)`);
  if (failures.length) console.log(`kill points failed: ${failures.length}\n  ${failures.join('\n  ')}`);
  if (notFired.length) console.log(`kill points that never fired (the run ended first): ${notFired.length}\n  ${notFired.join('\n  ')}`);
  const left = CASES.filter((x) => !runs(x)).map((x) => x.workflow);
  if (left.length) console.log(`cases not run here (RUNBOOK_KILL_POINTS=all or all:<case> runs them): ${left.join(', ')}`);
  await client?.connection.close();
  await sim?.stop();
  await server?.stop();
});

const workerNode = (s: SimulatorHandle, i: number): string => s.state().nodes.filter((n) => n.role === 'worker')[i]!.name;
const faultsOf = (s: SimulatorHandle, node: string): string[] => s.state().nodes.find((n) => n.name === node)!.faults;
const approval = { timeoutMs: 10 * 60_000, modes: { low: 'auto', high: 'require' }, autoApprove: true };
const recovery = (slotsWorkflowId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  dryRun: false,
  approval,
  verifyTimeoutMs: 20_000,
  slotsWorkflowId,
  ...extra,
});
const alert = (node: string): AlertRef => ({
  alertname: 'P2PDaemonDown',
  fingerprint: `kill-${Date.now().toString(36)}`,
  startsAt: new Date().toISOString(),
  status: 'firing',
  labels: { node },
});

/** One case per workflow, plus the incident, started as the webhook starts it. */
const CASES: KillCase[] = [
  {
    workflow: 'restart-p2p',
    arrange: (s) => (s.fault(workerNode(s, 0), 'p2p-down'), workerNode(s, 0)),
    input: (slots) => ({ node: workerNode(sim, 0), ...recovery(slots) }),
    healthy: (s) => faultsOf(s, workerNode(s, 0)).length === 0,
  },
  {
    workflow: 'fix-tailscale',
    arrange: (s) => (s.fault(workerNode(s, 1), 'tailscale-down'), workerNode(s, 1)),
    input: (slots) => ({ node: workerNode(sim, 1), ...recovery(slots) }),
    healthy: (s) => faultsOf(s, workerNode(s, 1)).length === 0,
  },
  {
    workflow: 'recover-node',
    arrange: (s) => (s.fault(workerNode(s, 0), 'partition'), workerNode(s, 0)),
    input: (slots) => ({ node: workerNode(sim, 0), ...recovery(slots, { stageVerifyMs: 2000 }) }),
    healthy: (s) => faultsOf(s, workerNode(s, 0)).length === 0,
  },
  {
    workflow: 'update-hosts',
    arrange: (s) => (s.fault(workerNode(s, 1), 'ip-changed'), workerNode(s, 1)),
    input: (slots) => recovery(slots),
    healthy: (s) => faultsOf(s, workerNode(s, 1)).length === 0,
  },
  {
    workflow: 'repair-sync',
    arrange: (s) => (s.fault('cluster', 'sync-stalled'), undefined),
    input: (slots) => recovery(slots, { syncStallMs: 2000 }),
    healthy: (s) => s.state().cluster_faults.length === 0,
  },
  {
    workflow: 'force-election',
    arrange: (s) => (s.fault('cluster', 'election-stuck'), undefined),
    input: (slots) => recovery(slots, { electionWaitMs: 2000 }),
    healthy: (s) => s.state().cluster_faults.length === 0 && s.state().leader_id !== null,
  },
  {
    workflow: 'diagnose',
    arrange: () => undefined,
    input: () => ({ batchSize: 4 }),
    healthy: (s) => s.state().cluster_faults.length === 0,
  },
  {
    // What the webhook starts for a P2PDaemonDown alert: diagnose, restart-p2p, diagnose again
    // (children on the same worker), then the bounded wait for Alertmanager's resolved.
    workflow: 'connectivity-incident',
    arrange: (s) => (s.fault(workerNode(s, 0), 'p2p-down'), workerNode(s, 0)),
    input: (slots) => ({
      alert: alert(workerNode(sim, 0)),
      procedure: 'restart-p2p',
      mode: 'remediate',
      target: workerNode(sim, 0),
      maxRounds: 2,
      resolveWaitMs: 500,
      batchSize: 4,
      ...recovery(slots),
    }),
    start: (c, workflowId, input) =>
      c.workflow.signalWithStart('connectivity-incident', {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [input],
        signal: alertSignal,
        signalArgs: [input['alert'] as AlertRef],
      }),
    healthy: (s) => faultsOf(s, workerNode(s, 0)).length === 0,
  },
];

const runs = (c: KillCase): boolean => (SHARD ? SHARD.includes(c.workflow) : ALL || c.workflow in DEFAULT_SAMPLE);

/**
 * A mutation of the `mutate` preset (SSH steps that change a node, the hosts file write): one
 * attempt, by design never repeated blindly. A worker killed in one is noticed by the missing
 * heartbeat and the procedure escalates (exactly once) instead of guessing: such a point must
 * end escalated or as the clean run, never apply a command twice, never fail.
 */
const oneShot = (a: RunActivity): boolean => a.mutation !== undefined && a.maximumAttempts === 1;

interface Point {
  point: string;
  label: string;
  activity: RunActivity;
}

/** Every activity of a clean run at start and done; the long waits and the mutations also in the middle. */
function killPointsOf(clean: RunOutcome): Point[] {
  const points: Point[] = [];
  clean.activities.forEach((a, i) => {
    const n = i + 1;
    const what = `#${n} ${a.mutation ?? a.type}${a.workflowId.includes('--') ? ` in ${a.workflowId.split('--')[1]}` : ''}`;
    points.push({ point: `start:${n}`, label: `after ${what} started`, activity: a });
    if (a.startToCloseSeconds >= LONG_RUNNING_S) points.push({ point: `mid:${n}:${MID_KILL_MS}`, label: `in the middle of ${what}`, activity: a });
    if (a.mutation !== undefined) points.push({ point: `mid:${n}:${MID_MUTATION_MS}`, label: `in the middle of ${what}`, activity: a });
    points.push({ point: `done:${n}`, label: `after ${what} ran, before its completion was recorded`, activity: a });
  });
  return points;
}

/**
 * The default sample, within `npm test`'s budget (each kill costs the killed activity's
 * heartbeat or start-to-close timeout, 20-30 s), all in the incident (children on the same
 * worker): a lost completion (diagnose's probe batch) and a kill in the middle of the first
 * mutation (the child restart-p2p's daemon stop: escalates). The middle of the long waits runs
 * in the shards (RUNBOOK_KILL_POINTS=all:<case>).
 */
const DEFAULT_SAMPLE: Record<string, Array<(p: Point) => boolean>> = {
  'connectivity-incident': [
    (p) => p.point.startsWith('done:') && p.activity.type === 'probeNodes',
    (p) => p.point.startsWith('mid:') && p.activity.mutation !== undefined,
  ],
};
function sample(workflow: string, points: Point[]): Point[] {
  if (ALL) return points;
  return (DEFAULT_SAMPLE[workflow] ?? []).flatMap((pick) => points.find(pick) ?? []);
}

/** After an escalated run the human's part is done here by hand: faults cleared, daemons and Tailscale up. */
async function restore(s: SimulatorHandle): Promise<void> {
  for (const f of s.state().cluster_faults) s.fault('cluster', f, { clear: true });
  for (const n of s.cluster.nodes) {
    for (const f of s.state().nodes.find((x) => x.name === n.name)!.faults) s.fault(n.name, f, { clear: true });
    s.cluster.tailscaleUpCmd(n);
    s.cluster.startDaemon(n, null);
  }
  await waitFor('the simulator healthy again after an escalated run', () =>
    s.state().nodes.every((n) => n.faults.length === 0 && n.daemon === 'running' && n.tailscale === 'up') && s.state().leader_id !== null,
  );
}

/**
 * What is wrong with a killed run, compared with the clean one (empty: it passed). A one-shot
 * mutation lost with the worker escalates (exactly once, naming the step) instead of finishing:
 * then only "no command twice" holds, and the simulator is restored by hand, as a human would.
 */
function problemsOf(run: RunOutcome, clean: RunOutcome, p: Point, c: KillCase): string[] {
  const problems: string[] = [];
  const cleanCounts = countCommands(clean.mutations);
  const counts = countCommands(run.mutations);
  // No command applied more often than in the clean run. The one exception: a retried mutation
  // (the admin API's sync or election trigger, `quick` preset) whose completion was lost runs
  // again; both triggers are idempotent (a sync or election under way is joined, not restarted).
  const extra = [...counts].filter(([cmd, n]) => n > (cleanCounts.get(cmd) ?? 0)).map(([cmd, n]) => `${cmd} x${n} (clean x${cleanCounts.get(cmd) ?? 0})`);
  const mayRepeat = p.activity.mutation !== undefined && RETRIED_MUTATIONS.has(p.activity.type) && !p.point.startsWith('start:');
  if (extra.length > (mayRepeat ? 1 : 0)) problems.push(`mutations applied more often than in the clean run: ${extra.join('; ')}`);
  if (oneShot(p.activity) && run.status === 'escalated') {
    if (!/cannot run|hosts|heartbeat|timed? ?out/i.test(run.reasons.join(' '))) problems.push(`escalated without naming the lost step: ${run.reasons.join('; ')}`);
    return problems;
  }
  if (run.status !== clean.status) problems.push(`status ${run.status}, clean run ${clean.status}: ${run.reasons.join('; ')}`);
  if (!c.healthy(sim)) problems.push('simulator unhealthy');
  const missing = [...cleanCounts].filter(([cmd, n]) => (counts.get(cmd) ?? 0) < n).map(([cmd]) => cmd);
  if (missing.length) problems.push(`mutations of the clean run missing: ${missing.join('; ')}`);
  return problems;
}

const failures: string[] = [];

describe('kill points: SIGKILL the worker process, a fresh one finishes the run', () => {
  // Only the cases that run are registered: a skipped test would read as a pass. The summary
  // names the cases left out.
  for (const c of CASES.filter(runs)) {
    it(`${c.workflow}: ends as without the crash, no mutation twice`, { timeout: ALL ? 4 * 3_600_000 : 240_000 }, async () => {
      const clean = await runWithKill(k, c);
      expect(c.healthy(sim), `${c.workflow} clean run left the simulator unhealthy: ${JSON.stringify(sim.state().cluster_faults)}`).toBe(true);
      const done: string[] = [];
      covered.set(c.workflow, done);
      const failedBefore = failures.length;
      for (const p of sample(c.workflow, killPointsOf(clean))) {
        const run = await runWithKill(k, c, p.point);
        const where = `${c.workflow} killed at ${p.point} (${p.label})`;
        // A sampled point that never fires proves nothing: the sample must hit its boundary.
        expect(ALL || run.killed, `${where}: the worker was never killed, the run ended first`).toBe(true);
        if (!run.killed) {
          notFired.push(where);
          continue;
        }
        const problems = problemsOf(run, clean, p, c);
        // In a shard one failing point must not hide the others: record it, restore, go on.
        if (!ALL) expect(problems, where).toEqual([]);
        if (problems.length) failures.push(`${where}: ${problems.join(' | ')}`);
        else done.push(`${p.point} ${p.label}: ${run.status}`);
        if (problems.length || run.status !== clean.status) await restore(sim);
      }
      expect(failures.slice(failedBefore), `${c.workflow}: failing kill points`).toEqual([]);
    });
  }
});
