// Benchmark: an alert storm against `runbook webhook` (an alert storm must lose nothing). 1,000 Alertmanager
// posts in 10 s from several concurrent clients, duplicates and distinct nodes mixed; checks that
// no post is dropped or answered 5xx and that each alert occurrence got exactly one incident
// (from the answers and from Temporal's workflow list), and prints the webhook's answer latency
// p50/p99/max next to the 100 ms p99 target. See bench/README.md.
//
// Processes: the Temporal dev server (in memory, free port), the simulator (`runbook sim start`,
// subnet 32), the worker (bench/worker-process.ts) and `runbook webhook` (bin/runbook.js, as in
// production), each its own process; the clients run here.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { TASK_QUEUE } from '../src/temporal/settings.js';
import { incidentWorkflowId } from '../src/webhook/route-alert.js';
import { INCIDENT_WORKFLOW } from '../src/webhook/temporal-intake.js';
import { planStorm, type StormPlan } from './lib/alert-storm.js';
import { type AlertsOptions, ALERTS_USAGE, parseAlertsOptions } from './lib/alerts-options.js';
import { BenchUsageError } from './lib/bench-args.js';
import { cleanup, installExitCleanup, wasInterrupted } from './lib/cleanup.js';
import { startDevServerAndBundle } from './lib/dev-server.js';
import { cpuMsOf } from './lib/proc-memory.js';
import { startSim } from './lib/simulator.js';
import { fmtMs, summarize } from './lib/stats.js';
import { type PostResult, runStorm } from './lib/storm-client.js';
import { judgeAnswers, judgeIncidents } from './lib/storm-verdict.js';
import { busiestSecondOfStarts, endFloorIncidents, FLOOR_TASK_QUEUE, measureBurst, measureServerFloor, waitForFloorListed } from './lib/server-floor.js';
import { startWebhookProcess } from './lib/webhook-process.js';
import { startWorker } from './lib/worker.js';

const P99_TARGET_MS = 100;
/** New incidents sent at once to measure the dev server's capacity for the webhook's call. */
const BURST = 100;
/** Every incident the webhook started (its task queue: not the floor's), with its number of runs; polled until `want` are visible. */
async function listIncidents(client: Client, want: number): Promise<Map<string, number>> {
  const end = Date.now() + 60_000;
  for (;;) {
    const runs = new Map<string, number>();
    for await (const w of client.workflow.list({ query: `WorkflowType = "${INCIDENT_WORKFLOW}" AND TaskQueue = "${TASK_QUEUE}"` })) runs.set(w.workflowId, (runs.get(w.workflowId) ?? 0) + 1);
    // Visibility lags the writes a little; more than `want` can only grow, so stop there too.
    if (runs.size >= want || Date.now() > end) return runs;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function printLatency(results: PostResult[], seconds: number): void {
  const answered = results.filter((r) => r.status !== undefined).map((r) => r.latencyMs);
  const s = summarize(answered.length > 0 ? answered : [NaN]);
  const late = summarize(results.map((r) => r.lateMs));
  console.log(`\nwebhook answer latency over ${s.count} answered posts (dispatch → end of the 202's body):`);
  console.log('| p50 (ms) | p99 (ms) | max (ms) | p99 target | |');
  console.log('|---|---|---|---|---|');
  console.log(`| ${fmtMs(s.p50)} | ${fmtMs(s.p99)} | ${fmtMs(s.max)} | < ${P99_TARGET_MS} ms | ${s.p99 < P99_TARGET_MS ? 'MET' : 'MISSED'} |`);
  // Which posts are slow: those whose own Temporal call started the incident, or the rest
  // (answered by a call in flight, or from one that recorded the occurrence moments before).
  for (const action of ['started', 'joined']) {
    const ms = results.filter((r) => r.status !== undefined && r.action === action).map((r) => r.latencyMs);
    if (ms.length === 0) continue;
    const a = summarize(ms);
    console.log(`  ${action.padEnd(7)} ${String(a.count).padStart(4)} posts: p50 ${fmtMs(a.p50)} ms, p99 ${fmtMs(a.p99)} ms, max ${fmtMs(a.max)} ms`);
  }
  console.log(`sender timing: posts left p50 ${fmtMs(late.p50)} ms / max ${fmtMs(late.max)} ms behind plan (${results.length} posts planned over ${seconds} s)`);
}

async function main(): Promise<void> {
  let opts: AlertsOptions;
  try {
    opts = parseAlertsOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    console.error(`${e.message}\n${ALERTS_USAGE}`);
    process.exit(2);
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const t0 = performance.now();
  console.log(
    `bench/alerts: ${opts.alerts} posts in ${opts.seconds} s, ${opts.distinct} distinct occurrences on ${opts.nodes} nodes, ` +
      `${opts.clients} clients × ${opts.connections} connections; sim subnet ${opts.subnet}`,
  );
  const { env, bundlePath } = await startDevServerAndBundle();
  const sim = await startSim(opts.nodes, opts.subnet);
  const worker = opts.noWorker ? undefined : await startWorker(env.address, sim, bundlePath, opts.nodes, TASK_QUEUE);
  const token = randomBytes(24).toString('hex');
  const hook = await startWebhookProcess({ temporalAddress: env.address, hostsFile: sim.hostsFile, token, ...(opts.webhookCpuProf !== undefined && { cpuProfDir: opts.webhookCpuProf }) });
  console.log(`dev server ${env.address}; ${opts.nodes}-node simulator; ${worker ? `worker on ${TASK_QUEUE}` : 'NO worker (--no-worker)'}; webhook ${hook.url}`);

  const plan: StormPlan = planStorm({
    alerts: opts.alerts,
    distinct: opts.distinct,
    seconds: opts.seconds,
    clients: opts.clients,
    nodes: sim.hosts.map((h) => h.name),
    // Rounded to the second, as Alertmanager's startsAt usually is; unique per run.
    baseTime: new Date(Math.floor(Date.now() / 1000) * 1000),
    seed: opts.seed,
  });
  // The floor first, on the same server before the storm: the webhook's own Temporal call for
  // each occurrence at its first post's time, sent from here (bench/lib/server-floor.ts).
  const tag = Date.now().toString(36);
  const floor = summarize(await measureServerFloor(env.client, plan, tag));
  const burstMs = await measureBurst(env.client, BURST, tag);
  // Visibility lags the starts a little: wait until all of them are listed, then end them.
  await waitForFloorListed(env.client, floor.count + BURST);
  await endFloorIncidents(env.client, tag);
  console.log(`Temporal alone, before the storm (the webhook's signal-with-start, sent from the bench; no webhook, no worker on ${FLOOR_TASK_QUEUE}):`);
  console.log(`  at each occurrence's first-post time: ${floor.count} calls, p50 ${fmtMs(floor.p50)} ms, p99 ${fmtMs(floor.p99)} ms, max ${fmtMs(floor.max)} ms`);
  console.log(
    `  capacity: ${BURST} at once took ${burstMs.toFixed(0)} ms (${((BURST * 1000) / burstMs).toFixed(0)} per second); ` +
      `the storm's busiest second has ${busiestSecondOfStarts(plan)} first posts`,
  );
  // One ignored post per client first: connections open and the webhook's code paths warm, as a
  // running webhook's are; no incident (no route for that alert name).
  await runStorm(hook.url, token, { occurrences: [{ index: 0, node: 'bench-warmup-no-such-node', startsAt: new Date().toISOString(), fingerprint: 'warmup' }], posts: Array.from({ length: opts.clients }, (_, c) => ({ atMs: 0, client: c, occurrence: 0 })) }, opts.clients, opts.connections);

  const cpu0 = { webhook: cpuMsOf(hook.proc.pid!), worker: worker ? cpuMsOf(worker.proc.pid!) : 0 };
  const stormStart = performance.now();
  const results = await runStorm(hook.url, token, plan, opts.clients, opts.connections);
  const stormSeconds = (performance.now() - stormStart) / 1000;
  const cpu = { webhook: cpuMsOf(hook.proc.pid!) - cpu0.webhook, worker: worker ? cpuMsOf(worker.proc.pid!) - cpu0.worker : 0 };
  console.log(
    `storm sent and answered in ${stormSeconds.toFixed(1)} s; CPU meanwhile: webhook ${cpu.webhook.toFixed(0)} ms ` +
      `(${(cpu.webhook / results.length).toFixed(2)} ms per post), worker ${cpu.worker.toFixed(0)} ms`,
  );
  // The webhook's own count of posts answered by another post's signal-with-start.
  const coalesced = Number(/^runbook_webhook_alerts_coalesced_total (\d+)$/m.exec(await (await fetch(`${hook.url}/metrics`)).text())?.[1] ?? NaN);
  console.log(`Temporal calls (signal-with-start): ${results.length - coalesced} for ${results.length} posts (${coalesced} answered by another post's call, in flight or recorded moments before)`);

  const verdict = judgeAnswers(results, opts.distinct);
  console.log(
    `answers: ${verdict.answered}/${results.length} (dropped ${verdict.dropped}, 5xx ${verdict.status5xx}, other non-202 ${verdict.otherStatus}); ` +
      `started ${verdict.started}, joined ${verdict.joined}, ignored (incident already ended) ${verdict.ignored}`,
  );
  const expected = new Set(plan.occurrences.map((o) => incidentWorkflowId('recover-node', 'remediate', o.node, o.startsAt)));
  const runs = await listIncidents(env.client, expected.size);
  const incidentProblems = judgeIncidents(expected, runs);
  console.log(`incidents in Temporal: ${runs.size} workflow IDs, ${[...runs.values()].reduce((a, b) => a + b, 0)} runs, for ${expected.size} distinct occurrences`);
  printLatency(results, opts.seconds);
  const problems = [...verdict.problems, ...incidentProblems];
  console.log(problems.length === 0 ? '\nverdict: exactly one incident per occurrence; no post dropped or answered 5xx' : `\nverdict: FAILED\n  ${problems.join('\n  ')}`);
  console.log(`total bench time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (problems.length > 0) process.exitCode = 1;
}

installExitCleanup();
main()
  .then(async () => {
    await cleanup();
    process.exit(process.exitCode ?? 0);
  })
  .catch(async (err) => {
    if (wasInterrupted()) return;
    console.error(err);
    await cleanup();
    process.exit(1);
  });
