// Kill-point harness (docs/explanation/durability.md): one procedure run against the simulator with a real
// `runbook worker` process that SIGKILLs itself at a chosen activity boundary (the
// RUNBOOK_TEST_KILL_POINT hook, src/worker/kill-point.ts), then a fresh worker finishes it.
// The incident workflow runs its procedures as children on the same worker: its activities are
// those of the whole tree, in the order the worker ran them.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { MUTATING_STEPS, type SshStep } from '../../src/domain/ssh-catalog.js';
import { TASK_QUEUE } from '../../src/temporal/settings.js';
import type { Mutation } from '../../src/sim/state-types.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';
import { uniqueId } from './temporal-env.js';

/** One workflow under test: how to break the simulator for it and what to start. */
export interface KillCase {
  /** Case name (the shard key of RUNBOOK_KILL_POINTS=all:<case>): the workflow type, e.g. 'restart-p2p'. */
  workflow: string;
  /** Injects the fault this run repairs; returns the node it is about (for the mutation log). */
  arrange(sim: SimulatorHandle): string | undefined;
  /** The workflow's single argument. */
  input(taskQueueSlots: string): Record<string, unknown>;
  /** How the run is started when not by `client.workflow.start` (the incident: signal-with-start, as the webhook does). */
  start?(client: Client, workflowId: string, input: Record<string, unknown>): Promise<WorkflowHandle>;
  /** What "ended as without the crash" means beyond the status: e.g. the fault is gone. */
  healthy(sim: SimulatorHandle): boolean;
}

/** Mutating activities whose preset retries them (`quick`): a lost completion runs them again. */
export const RETRIED_MUTATIONS: ReadonlySet<string> = new Set(['triggerSync', 'triggerElection']);
/** Mutating activities that are not SSH steps (those are told by their catalogued step). */
const MUTATING_ACTIVITIES: ReadonlySet<string> = new Set([...RETRIED_MUTATIONS, 'applyHostsPatch']);

export interface RunActivity {
  type: string;
  /** The workflow (the case's own, or one of the incident's children) that scheduled it. */
  workflowId: string;
  startToCloseSeconds: number;
  heartbeatSeconds: number;
  maximumAttempts: number;
  /** What it changes when it is a mutation (`sshRun p2p-stop`, `applyHostsPatch`), else undefined. */
  mutation: string | undefined;
}

export interface RunOutcome {
  status: string;
  /** The escalation's reasons, when the run escalated. */
  reasons: string[];
  /** Activities of the run (children included) in the order they were scheduled; retries not counted. */
  activities: RunActivity[];
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

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const seconds = (d: { seconds?: unknown } | null | undefined): number => Number(d?.seconds ?? 0);
const millis = (e: HistoryEvent): number => seconds(e.eventTime) * 1000 + Math.floor(Number(e.eventTime?.nanos ?? 0) / 1e6);

function firstArg(a: temporal.api.history.v1.IActivityTaskScheduledEventAttributes): Record<string, unknown> {
  const data = a.input?.payloads?.[0]?.data;
  try {
    return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function mutationOf(type: string, arg: Record<string, unknown>): string | undefined {
  if (type === 'sshRun') return MUTATING_STEPS.has(arg['step'] as SshStep) ? `sshRun ${String(arg['step'])}` : undefined;
  return MUTATING_ACTIVITIES.has(type) ? type : undefined;
}

/** Every activity scheduled by the workflow and, recursively, its children, ordered by schedule time. */
async function activitiesOf(client: Client, workflowId: string): Promise<RunActivity[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const own = events.flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a) return [];
    const type = a.activityType?.name ?? '?';
    const activity: RunActivity = {
      type,
      workflowId,
      startToCloseSeconds: seconds(a.startToCloseTimeout),
      heartbeatSeconds: seconds(a.heartbeatTimeout),
      maximumAttempts: a.retryPolicy?.maximumAttempts ?? 0,
      mutation: mutationOf(type, firstArg(a)),
    };
    return [{ at: millis(e), activity }];
  });
  const children = events.flatMap((e) => {
    const id = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    return id ? [id] : [];
  });
  const nested = await Promise.all(
    children.map(async (id) => {
      const childEvents = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
      const times = childEvents.filter((e) => e.activityTaskScheduledEventAttributes).map(millis);
      return (await activitiesOf(client, id)).map((activity, i) => ({ at: times[i] ?? 0, activity }));
    }),
  );
  // Stable sort: the order within one workflow stays its schedule order.
  return [...own, ...nested.flat()].sort((x, y) => x.at - y.at).map((x) => x.activity);
}

/** Runs `c` once; with `killPoint`, the first worker dies there and a fresh one finishes the run. */
export async function runWithKill(k: KillEnv, c: KillCase, killPoint?: string): Promise<RunOutcome> {
  c.arrange(k.sim);
  const before = k.sim.state().mutations.length;
  const first = startWorkerProcess([], { ...k.workerEnv, ...(killPoint && { RUNBOOK_TEST_KILL_POINT: killPoint }) });
  let fresh: WorkerProcess | undefined;
  try {
    await first.ready();
    const workflowId = uniqueId(`kill-${c.workflow}`);
    const input = c.input(`slots-kill-${c.workflow}`);
    const handle = c.start
      ? await c.start(k.client, workflowId, input)
      : await k.client.workflow.start(c.workflow, { taskQueue: TASK_QUEUE, workflowId, args: [input] });
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
    const result = (await handle.result()) as { status: string; escalation?: { reasons?: string[] } };
    return {
      status: result.status,
      reasons: result.escalation?.reasons ?? [],
      activities: await activitiesOf(k.client, workflowId),
      mutations: k.sim.state().mutations.slice(before),
      killed,
    };
  } finally {
    await Promise.all([first.stop(), fresh?.stop()]);
  }
}

/** Mutation commands of a run, node-qualified and in order, for comparing a crashed run with a clean one. */
export const commandsOf = (ms: Mutation[]): string[] => ms.map((m) => `${m.node}: ${sameAcrossRuns(m.command)}`);

/**
 * Each `ip-changed` injection moves the node to a fresh address, so update-hosts writes a
 * different `host=` in every run: the write is the same mutation whatever the address.
 */
function sameAcrossRuns(command: string): string {
  return command.replace(/(hosts file updated: .*?\b(?:fallback_)?host=)\S+/g, '$1<new address>');
}

/** How many times each mutating command was applied. */
export function countCommands(ms: Mutation[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of commandsOf(ms)) counts.set(c, (counts.get(c) ?? 0) + 1);
  return counts;
}
