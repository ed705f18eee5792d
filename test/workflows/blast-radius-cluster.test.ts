// The blast radius end to end against a real dev server, worker and simulated cluster: two
// procedures racing on two voters keep a voter majority alive, also when the restarted daemons
// report `running` before they rejoin (sim fault slow-rejoin), two procedures on one node never
// change it at the same time, and `runbook retry` of a run that failed after its slot was granted
// completes; a retried run that had given its slot back asks for it again before it changes the
// node (docs/explanation/blast-radius.md).
//
// To make the races happen every time rather than by luck, the worker's SSH activity holds the
// first `p2p-stop` of a test until a second one arrives (the race: both passed their checks) or
// the semaphore shows the other procedure queued (the race was prevented), with a deadline.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunbookActivities as Activities } from '../../activities/index.js';
import { resetPointBeforeFailure } from '../../src/client/reset-point.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { slotsStateQuery } from '../../workflows/slots.js';
import { runCli } from '../helpers/cli.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { uniqueId } from '../helpers/temporal-env.js';
import { subnet } from '../helpers/subnets.js';

const RESET_CAUSE = proto.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW;
// No shared worker: each test runs one whose SSH or admin activity it alters.
const harness = useClusterHarness({ name: 'radius', nodes: 7, subnet: subnet('workflows/blast-radius-cluster'), voters: 5, worker: false });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

/** Runs `fn` with a fresh worker (STYLE §11) whose activities `wrap` may alter; the harness clears the faults after. */
async function withWorker(
  wrap: (real: Activities, taskQueue: string) => Partial<Activities>,
  fn: (taskQueue: string) => Promise<void>,
): Promise<void> {
  const taskQueue = uniqueId('radius-q');
  const worker = await harness.createWorker({ taskQueue, wrap: (real) => ({ ...real, ...wrap(real, taskQueue) }) });
  await worker.runUntil(() => fn(taskQueue));
}

/** Holds the first `p2p-stop` until the race is on (a second stop) or prevented (a queued request). */
function raceGate(real: Activities, taskQueue: string): Partial<Activities> {
  let stops = 0;
  const raced = async (): Promise<boolean> => {
    if (stops >= 2) return true;
    const s = await env.client.workflow
      .getHandle(`slots-${taskQueue}`)
      .query(slotsStateQuery)
      .catch(() => undefined); // older semaphores have no such query
    return (s?.queue.length ?? 0) > 0;
  };
  return {
    async sshRun(input) {
      if (input.step === 'p2p-stop' && ++stops === 1) {
        const deadline = Date.now() + 30_000;
        while (!(await raced()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
      return real.sshRun(input);
    },
  };
}

const voters = (): string[] => sim.state().nodes.filter((n) => n.role === 'voter').map((n) => n.name);
const majority = (): number => Math.floor(voters().length / 2) + 1;
/** min_voters_alive is the fewest ever seen: start it from now, so each test measures its own race. */
const restartWatermark = (): void => {
  sim.cluster.minVotersAlive = sim.cluster.votersAliveNow;
};

describe('blast radius on a real cluster', () => {
  it('two procedures racing on two voters never leave fewer than a majority of voters alive', () =>
    withWorker(raceGate, async (taskQueue) => {
      const [, a, b, , down] = voters();
      sim.fault(down!, 'host-down'); // 4 of 5 voters alive: each one alone may take one down
      sim.fault('cluster', 'leader-lost'); // so restart-p2p does not find the voters healthy
      restartWatermark();
      expect(sim.state().min_voters_alive).toBe(4);
      const hs = await Promise.all(
        [a!, b!].map((node) => startProcedure(env, taskQueue, 'restart-p2p', { node, extra: { maxNodesRemediated: 2 } })),
      );
      const rs = await Promise.all(hs.map((h) => h.result()));
      expect(sim.state().min_voters_alive).toBeGreaterThanOrEqual(majority());
      expect(rs.map((r) => r.status), JSON.stringify(rs)).toEqual(['completed', 'completed']);
    }));

  it('…also when the restarted voters say `running` before they rejoin (slow-rejoin)', () =>
    withWorker(raceGate, async (taskQueue) => {
      const [, a, b, , down] = voters();
      sim.fault(down!, 'host-down');
      sim.fault('cluster', 'leader-lost');
      // A restarted daemon answers `running` (what "wait until p2p healthy" sees) for seconds
      // before it rejoins: released at `running`, the slot let the second stop through while the
      // first voter was still out of the mesh.
      for (const v of [a!, b!]) sim.fault(v, 'slow-rejoin');
      restartWatermark();
      expect(sim.state().min_voters_alive).toBe(4);
      const hs = await Promise.all(
        [a!, b!].map((node) => startProcedure(env, taskQueue, 'restart-p2p', { node, extra: { maxNodesRemediated: 2 } })),
      );
      const rs = await Promise.all(hs.map((h) => h.result()));
      expect(sim.state().min_voters_alive, 'fewest voters alive in the mesh').toBeGreaterThanOrEqual(majority());
      expect(rs.map((r) => r.status), JSON.stringify(rs)).toEqual(['completed', 'completed']);
    }));

  it('two procedures on one node change it one after the other, never together', () =>
    withWorker(raceGate, async (taskQueue) => {
      const node = sim.state().nodes.find((n) => n.role === 'worker')!.name;
      sim.fault(node, 'p2p-down');
      const before = sim.state().mutations.length;
      const hs = await Promise.all([0, 1].map(() => startProcedure(env, taskQueue, 'restart-p2p', { node })));
      const rs = await Promise.all(hs.map((h) => h.result()));
      const changes = sim
        .state()
        .mutations.slice(before)
        .filter((m) => m.node === node && m.source === 'ssh')
        .map((m) => (m.command.includes('pkill') ? 'stop' : m.command.includes('nohup') ? 'start' : 'other'))
        .filter((c) => c !== 'other');
      expect(changes.slice(0, 2), `changes of ${node}: ${changes.join(', ')}`).toEqual(['stop', 'start']);
      expect(changes.every((c, i) => c === (i % 2 === 0 ? 'stop' : 'start')), `changes of ${node}: ${changes.join(', ')}`).toBe(true);
      expect(rs.map((r) => r.status)).toEqual(['completed', 'completed']);
    }));

  it('`runbook retry` of a run that failed after its slot was granted completes', async () => {
    let failed = false;
    // The admin API goes away once, while the forced resync is watched: after the grant and release.
    const failSecondWatch = (real: Activities): Partial<Activities> => {
      let watches = 0;
      return {
        async watchSync(input) {
          if (++watches === 2 && !failed) {
            failed = true;
            throw ApplicationFailure.nonRetryable('admin API went away', 'AdminApiUnavailable');
          }
          return real.watchSync(input);
        },
      };
    };
    await withWorker(failSecondWatch, async (taskQueue) => {
      sim.fault('cluster', 'sync-stalled');
      const h = await startProcedure(env, taskQueue, 'repair-sync', { autoApprove: true, extra: { syncStallMs: 1500 } });
      await expect(h.result()).rejects.toThrow(/Workflow execution failed/);
      expect((await h.describe()).status.name).toBe('FAILED');
      const events = (await h.fetchHistory()).events ?? [];
      // The reset point must lie past the grant, so the new run replays it: a reset before the
      // slot was asked for would pass with any request id and prove nothing.
      const grant = events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'slot-granted');
      expect(grant, 'the failed run was granted a slot').toBeDefined();
      const point = resetPointBeforeFailure(events);
      expect(point?.eventId, 'reset point after the grant').toBeGreaterThan(Number(grant!.eventId));

      const retried = await runCli(['retry', h.workflowId], { TEMPORAL_ADDRESS: env.address, RUNBOOK_CONFIG: sim.hostsFile });
      expect(retried.code, retried.stderr).toBe(0);
      expect(retried.stdout).toMatch(/to before watchSync: new run/);
      const newRun = env.client.workflow.getHandle(h.workflowId);
      // A reset run that cannot replay its grant fails every workflow task and never ends: look for that.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const d = await newRun.describe();
        if (d.status.name !== 'RUNNING') break;
        // The reset itself records one failed workflow task (cause RESET_WORKFLOW); any other is the jam.
        const stuck = ((await newRun.fetchHistory()).events ?? []).find(
          (e) => e.workflowTaskFailedEventAttributes && e.workflowTaskFailedEventAttributes.cause !== RESET_CAUSE,
        );
        if (stuck) throw new Error(`the reset run fails its workflow task: ${stuck.workflowTaskFailedEventAttributes?.failure?.message}`);
        if (Date.now() > deadline) throw new Error('the reset run did not finish within 90 s');
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await newRun.result()).toMatchObject({ status: 'completed' });
    });
  });
  it('`runbook retry` of a run that failed holding its slot asks for the slot again before it changes the voter', async () => {
    const [, v1] = voters();
    let failedRun: string | undefined;
    /** What the semaphore held when the retried run stopped and started v1. */
    const seen: Array<{ step: string; held: string[] }> = [];
    const heldNow = async (taskQueue: string): Promise<string[]> =>
      ((await env.client.workflow.getHandle(`slots-${taskQueue}`).query(slotsStateQuery)).held ?? []).map((h) => `${h.holder}/${h.node}`);
    // The fresh look under the slot (the second one: the first asks the cluster before the
    // approval) fails once, so the run fails holding it and gives it back on its way out; the
    // retried run's stop and start note what the semaphore holds right then.
    let looks = 0;
    const failFirstLook = (real: Activities, taskQueue: string): Partial<Activities> => ({
      async lookAgain(input) {
        if (failedRun === undefined && ++looks === 2) {
          failedRun = Context.current().info.workflowExecution?.runId ?? '';
          throw ApplicationFailure.nonRetryable('admin API went away', 'AdminApiUnavailable');
        }
        return real.lookAgain(input);
      },
      async sshRun(input) {
        const run = Context.current().info.workflowExecution;
        if (run?.runId !== failedRun && (input.step === 'p2p-stop' || input.step === 'p2p-start')) {
          seen.push({ step: input.step, held: await heldNow(taskQueue) });
        }
        return real.sshRun(input);
      },
    });
    await withWorker(failFirstLook, async (taskQueue) => {
      sim.fault(v1!, 'p2p-down');
      const h = await startProcedure(env, taskQueue, 'restart-p2p', { node: v1!, extra: { maxNodesRemediated: 2 } });
      await expect(h.result()).rejects.toThrow(/Workflow execution failed/);
      const events = (await h.fetchHistory()).events ?? [];
      const grant = events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'slot-granted');
      const release = events.find((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'release-slot');
      expect(grant, 'the failed run was granted a slot').toBeDefined();
      expect(Number(release?.eventId), 'and released it after the failure').toBeGreaterThan(Number(grant!.eventId));
      expect(await heldNow(taskQueue)).toEqual([]);

      const retried = await runCli(['retry', h.workflowId], { TEMPORAL_ADDRESS: env.address, RUNBOOK_CONFIG: sim.hostsFile });
      expect(retried.code, retried.stderr).toBe(0);
      expect(retried.stdout).toMatch(/asks for it again first/);
      const r = await env.client.workflow.getHandle(h.workflowId).result();
      expect(r).toMatchObject({ status: 'completed' });
      expect(seen.map((x) => x.step)).toEqual(['p2p-stop', 'p2p-start']);
      for (const x of seen) expect(x.held, `held during the retried run's ${x.step}`).toEqual([`${h.workflowId}/${v1}`]);
    });
  });
});
