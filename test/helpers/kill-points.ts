// Kill-point harness (issue 13 item 1): one procedure run against the simulator with a real
// `runbook worker` process that SIGKILLs itself at a chosen activity boundary (the
// RUNBOOK_TEST_KILL_POINT hook, src/worker/kill-point.ts), then a fresh worker finishes it.
import type { Client } from '@temporalio/client';
import { TASK_QUEUE } from '../../src/temporal/settings.js';
import type { Mutation } from '../../src/sim/state-types.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';
import { uniqueId } from './temporal-env.js';

/** One workflow under test: how to break the simulator for it and what to start. */
export interface KillCase {
  /** Workflow type, e.g. 'restart-p2p'; the incident workflow is one more case of the same shape. */
  workflow: string;
  /** Injects the fault this run repairs; returns the node it is about (for the mutation log). */
  arrange(sim: SimulatorHandle): string | undefined;
  /** The workflow's single argument. */
  input(taskQueueSlots: string): Record<string, unknown>;
  /** What "ended as without the crash" means beyond the status: e.g. the fault is gone. */
  healthy(sim: SimulatorHandle): boolean;
}

export interface RunOutcome {
  status: string;
  /** Activity types in schedule order (one entry per ActivityTaskScheduled, retries not counted). */
  activities: Array<{ type: string; startToCloseSeconds: number; heartbeatSeconds: number }>;
  /** Mutations the simulator applied during this run. */
  mutations: Mutation[];
  /** Set when the killer worker died as asked. */
  killed: boolean;
}

export interface KillEnv {
  client: Client;
  sim: SimulatorHandle;
  workerEnv: Record<string, string>;
}

const seconds = (d: { seconds?: unknown } | null | undefined): number => Number(d?.seconds ?? 0);

/** Runs `c` once; with `killPoint`, the first worker dies there and a fresh one finishes the run. */
export async function runWithKill(k: KillEnv, c: KillCase, killPoint?: string): Promise<RunOutcome> {
  c.arrange(k.sim);
  const before = k.sim.state().mutations.length;
  const first = startWorkerProcess([], { ...k.workerEnv, ...(killPoint && { RUNBOOK_TEST_KILL_POINT: killPoint }) });
  let fresh: WorkerProcess | undefined;
  try {
    await first.ready();
    const handle = await k.client.workflow.start(c.workflow, {
      taskQueue: TASK_QUEUE,
      workflowId: uniqueId(`kill-${c.workflow}`),
      args: [c.input(`slots-kill-${c.workflow}`)],
    });
    let killed = false;
    if (killPoint) {
      // The hook fires or the run ends first (a kill point past the run's last activity).
      const ended = handle.result().then(() => 'ended' as const, () => 'ended' as const);
      const why = await Promise.race([first.exited.then(() => 'exited' as const), ended]);
      killed = why === 'exited' && first.child.signalCode === 'SIGKILL';
      if (why === 'exited' && !killed) throw new Error(`worker exited without the kill point ${killPoint}:\n${first.output()}`);
      if (killed) {
        fresh = startWorkerProcess([], k.workerEnv);
        await fresh.ready();
      }
    }
    const result = (await handle.result()) as { status: string };
    const events = (await handle.fetchHistory()).events ?? [];
    const activities = events.flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a ? [{ type: a.activityType?.name ?? '?', startToCloseSeconds: seconds(a.startToCloseTimeout), heartbeatSeconds: seconds(a.heartbeatTimeout) }] : [];
    });
    return { status: result.status, activities, mutations: k.sim.state().mutations.slice(before), killed };
  } finally {
    await Promise.all([first.stop(), fresh?.stop()]);
  }
}

/** Mutation commands of a run, node-qualified and in order, for comparing a crashed run with a clean one. */
export const commandsOf = (ms: Mutation[]): string[] => ms.map((m) => `${m.node}: ${m.command}`);
