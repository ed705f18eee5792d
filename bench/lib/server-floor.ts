// The floor under the webhook's answer (bench/alerts): the very Temporal call the webhook makes
// for an occurrence (temporalIntake's signal-with-start, same input shape, search attributes and
// metadata), sent straight from the bench at each occurrence's first-post time of the storm's
// plan, with no webhook, no HTTP and no worker on its task queue. A `started` post can never be
// answered faster than this call returns, so the p99 printed here bounds what any webhook could
// reach on this dev server and this machine.
import type { Client } from '@temporalio/client';
import { buildInput } from '../../src/client/procedures.js';
import { defaultPolicy } from '../../src/config/loader.js';
import { type FireOutcome, type FireRequest, temporalIntake } from '../../src/webhook/temporal-intake.js';
import type { StormPlan } from './alert-storm.js';
import { STORM_ALERTNAME } from './storm-client.js';

/** Nothing polls this queue: the floor's incidents are recorded and never run. */
export const FLOOR_TASK_QUEUE = 'bench-alerts-floor-no-worker';

const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

/** The storm's busiest second for new occurrences: the most first posts planned in any 1 s window. */
export function busiestSecondOfStarts(plan: StormPlan): number {
  const firsts = [...firstPostTimes(plan).values()].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < firsts.length; i++) {
    while (firsts[i]! - firsts[j]! >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

function firstPostTimes(plan: StormPlan): Map<number, number> {
  const firstAt = new Map<number, number>();
  for (const p of plan.posts) if (!firstAt.has(p.occurrence)) firstAt.set(p.occurrence, p.atMs);
  return firstAt;
}

/**
 * The dev server's capacity for the webhook's call: `n` signal-with-starts of new incidents sent
 * at once, and how long until the last one returned.
 */
export async function measureBurst(client: Client, n: number, runTag: string): Promise<number> {
  const intake = temporalIntake(client, FLOOR_TASK_QUEUE);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      intake.fire(floorRequest(`bench-burst-${runTag}-${i}`, { node: `burst-${i}`, fingerprint: `burst-${i}`, startsAt: new Date().toISOString() })).then((o) => mustStart(o, `burst call ${i}`)),
    ),
  );
  return performance.now() - started;
}

/** Each floor call opens a new incident; anything else means the measurement is not the floor. */
function mustStart(outcome: FireOutcome, what: string): void {
  if (outcome.action !== 'started') throw new Error(`${what} answered ${outcome.action}, expected started`);
}

/** The webhook's request for one occurrence (server.ts incidentInput with the default policy). */
function floorRequest(workflowId: string, o: { node: string; fingerprint: string; startsAt: string }): FireRequest {
  const alert = { alertname: STORM_ALERTNAME, fingerprint: o.fingerprint, startsAt: o.startsAt, status: 'firing' as const, labels: { alertname: STORM_ALERTNAME, node: o.node } };
  return {
    workflowId,
    alert,
    input: { ...buildInput(defaultPolicy(), { requestedBy: `alertmanager:${STORM_ALERTNAME}/${o.fingerprint}` }), alert, procedure: 'recover-node', mode: 'remediate', target: o.node },
    summary: `${STORM_ALERTNAME} on ${o.node} (bench floor)`,
    node: o.node,
  };
}

/** Latency (ms) of each occurrence's signal-with-start, sent at its first post's planned time. */
export async function measureServerFloor(client: Client, plan: StormPlan, runTag: string): Promise<number[]> {
  const intake = temporalIntake(client, FLOOR_TASK_QUEUE);
  const t0 = performance.now() + 50;
  // Settled into values as they land, so a call failing while later ones wait for their time is
  // reported once all are sent, not as an unhandled rejection.
  const calls: Array<Promise<number | Error>> = [];
  for (const [index, atMs] of [...firstPostTimes(plan)].sort((a, b) => a[1] - b[1])) {
    await sleepUntil(t0 + atMs);
    const sent = performance.now();
    calls.push(
      intake
        .fire(floorRequest(`bench-floor-${runTag}-${index}`, plan.occurrences[index]!))
        .then((outcome) => {
          mustStart(outcome, `floor call for occurrence ${index}`);
          return performance.now() - sent;
        })
        .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
    );
  }
  const results = await Promise.all(calls);
  const failed = results.find((r): r is Error => r instanceof Error);
  if (failed) throw failed;
  return results as number[];
}

/** Polls visibility until `n` of the floor's incidents are listed (at most 30 s). */
export async function waitForFloorListed(client: Client, n: number): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    const { count } = await client.workflow.count(`TaskQueue = "${FLOOR_TASK_QUEUE}"`);
    if (count >= n) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Ends the floor's incidents (nothing runs them), so the storm that follows meets a server with
 * no open workflows of the bench's own, as it would without the floor.
 */
export async function endFloorIncidents(client: Client, runTag: string): Promise<number> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query: `TaskQueue = "${FLOOR_TASK_QUEUE}" AND ExecutionStatus = "Running"` })) if (w.workflowId.includes(runTag)) ids.push(w.workflowId);
  await Promise.all(ids.map((id) => client.workflow.getHandle(id).terminate('bench floor measured')));
  return ids.length;
}
