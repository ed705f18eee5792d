// Benchmark: the runbook's §3.2 sequential "batch test all nodes" loop (bash + the real curl)
// against our diagnose workflow, on the same simulated cluster with 1/8 of the nodes host-down.
// Prints ratios and the 1,000-node targets; asserts nothing. See bench/README.md.
//
// Processes: one Temporal dev server for the whole run (in-memory, free port, never 7233/8233);
// per size, the simulator (`runbook sim start`) and the worker (bench/worker-process.ts) each in
// a child process of their own, so the worker's peak RSS is the worker's alone.
//
// This file parses the options, runs the sizes in order and prints the summary; the parts it
// uses live in bench/lib/, one job per file (see the comment at the top of each).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/search-attributes.js';
import { WORKFLOWS_PATH } from '../src/worker/worker.js';
import { PROBE_TIMEOUT_S } from './lib/bench-config.js';
import { stopChild } from './lib/child-processes.js';
import { fdShortfall } from './lib/fd-limit.js';
import { cleanup, installExitCleanup, removeTempDirs, setDevServerTeardown, tempDir, wasInterrupted } from './lib/cleanup.js';
import { type DiagnoseRun, kindCounts, runDiagnose } from './lib/diagnose-run.js';
import { phaseLine } from './lib/phases.js';
import { cpuMsOf, memoryOf } from './lib/proc-memory.js';
import { printSummary, type SizeResult } from './lib/result-table.js';
import { type LoopSampling, runLoop } from './lib/runbook-loop.js';
import { injectHostDown, setFault, simState, startSim } from './lib/simulator.js';
import { startWorker } from './lib/worker.js';

// ---- options ------------------------------------------------------------------------------

interface Options extends LoopSampling {
  sizes: number[];
  subnet: number;
  /** Seconds to wait for one diagnose before terminating it and reporting a timeout. */
  diagnoseTimeout: number;
  /** Nodes made blind to the worker for one more diagnose: what corroboration (peer checks) costs. */
  blind: number;
}

function usage(msg: string): never {
  console.error(
    `${msg}\nusage: npm run bench:diagnose -- [--sizes 64,256,1000,2000] [--loop-sample N] [--full-loop-up-to NODES] [--subnet K] [--diagnose-timeout S] [--blind K]`,
  );
  process.exit(2);
}

function positiveInt(name: string, raw: string, lo: number, hi: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < lo || Number(raw) > hi) usage(`${name} must be an integer from ${lo} to ${hi}, got "${raw}"`);
  return Number(raw);
}

function parseOptions(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        sizes: { type: 'string', default: '64,256,1000,2000' },
        'loop-sample': { type: 'string', default: '64' },
        'full-loop-up-to': { type: 'string', default: '256' },
        subnet: { type: 'string', default: '90' },
        'diagnose-timeout': { type: 'string', default: '60' },
        blind: { type: 'string', default: '0' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage('bench/diagnose: runbook §3.2 loop vs. the diagnose workflow (see bench/README.md)');
  const sizes = values.sizes.split(',').map((s) => positiveInt('--sizes', s.trim(), 8, 10_000));
  for (const n of sizes) {
    const short = fdShortfall(n);
    if (short !== undefined) usage(`--sizes: ${short}`);
  }
  const loopSample = positiveInt('--loop-sample', values['loop-sample'], 0, 1_000_000);
  if (loopSample !== 0 && (loopSample < 16 || loopSample % 2 !== 0)) usage('--loop-sample must be 0 (no sampling) or an even number ≥ 16');
  return {
    sizes,
    loopSample,
    fullLoopUpTo: positiveInt('--full-loop-up-to', values['full-loop-up-to'], 0, 1_000_000),
    subnet: positiveInt('--subnet', values.subnet, 1, 155),
    diagnoseTimeout: positiveInt('--diagnose-timeout', values['diagnose-timeout'], 1, 3600),
    blind: positiveInt('--blind', values.blind, 0, 10_000),
  };
}

// ---- corroboration's price ----------------------------------------------------------------

/**
 * DESIGN §11: with host-down nodes and `--blind K` more nodes the worker cannot reach (the
 * simulator's blind-to-worker), the /status counts no longer say which silent nodes are dead, so
 * diagnose checks up to 8 of them from healthy peers over SSH. Printed beside the diagnose just
 * before it, on the same worker and cluster; the blind nodes are cleared afterwards.
 */
async function blindRun(sim: Parameters<typeof setFault>[0], down: string[], opts: Options, client: Client, taskQueue: string, nodes: number, withoutS: number): Promise<void> {
  const state = await simState(sim);
  const blind = state.nodes.filter((n) => n.role !== 'voter' && !down.includes(n.name)).slice(0, opts.blind).map((n) => n.name);
  for (const n of blind) await setFault(sim, n, 'blind-to-worker');
  const b = await runDiagnose(client, taskQueue, `${nodes}-blind`, opts.diagnoseTimeout);
  for (const n of blind) await setFault(sim, n, 'blind-to-worker', true);
  const ratio = withoutS > 0 ? ` (${(b.seconds / withoutS).toFixed(2)}x the diagnose before it)` : '';
  console.log(
    `  diagnose with ${blind.length} more node(s) blind to the worker (peer checks over SSH): ${b.seconds.toFixed(2)} s${ratio}, ` +
      (b.error !== undefined ? `FAILED: ${b.error}` : kindCounts(b.report)),
  );
}

// ---- one size -----------------------------------------------------------------------------

/**
 * One cluster size: a warm-up and a timed diagnose on a fresh worker, then (worker stopped) the
 * §3.2 loop on the same cluster; the simulator and this size's temp dirs go away either way.
 */
async function benchSize(nodes: number, opts: Options, client: Client, address: string, bundlePath: string): Promise<SizeResult> {
  console.log(`\n== ${nodes} nodes ==`);
  const sim = await startSim(nodes, opts.subnet);
  const worker = await startWorker(address, sim, bundlePath, nodes);
  const pid = worker.proc.pid!;
  const idle = memoryOf(pid);
  try {
    // Warm-up on the healthy cluster: the measured run sees a running worker, as `runbook diagnose` does.
    const warm = await runDiagnose(client, worker.taskQueue, `${nodes}-warmup`, opts.diagnoseTimeout);
    console.log(
      `  warm-up diagnose (healthy cluster): ${warm.seconds.toFixed(2)} s, ${warm.events} events, ` +
        (warm.error !== undefined ? `FAILED: ${warm.error}` : kindCounts(warm.report)),
    );
    const baseline = memoryOf(pid);

    const down = await injectHostDown(sim);
    console.log(`  injected host-down on ${down.length} of ${nodes} nodes`);
    const cpu0 = { worker: cpuMsOf(pid), sim: cpuMsOf(sim.proc.pid!) };
    const d = await runDiagnose(client, worker.taskQueue, String(nodes), opts.diagnoseTimeout);
    const cpu = { worker: cpuMsOf(pid) - cpu0.worker, sim: cpuMsOf(sim.proc.pid!) - cpu0.sim };
    const mem = memoryOf(pid);
    const first = judgeRun(d, down);
    printRun('diagnose', d, first, down.length);
    console.log(`  CPU during the timed diagnose: worker ${cpu.worker.toFixed(0)} ms, simulator ${cpu.sim.toFixed(0)} ms`);
    // The same again: now the worker knows which nodes were dark (SilentLastTime), as it does when
    // the health monitor sweeps every few seconds or a diagnose ran before, and starts them first.
    const again = await runDiagnose(client, worker.taskQueue, `${nodes}-again`, opts.diagnoseTimeout);
    const againJudged = judgeRun(again, down);
    printRun('diagnose again (dead hosts known from the first)', again, againJudged, down.length);
    const memAgain = memoryOf(pid);
    console.log(
      `  worker RSS: ${(idle.rssKb / 1024).toFixed(0)} MB idle, ${(baseline.rssKb / 1024).toFixed(0)} MB after warm-up, ` +
        `peak ${(mem.hwmKb / 1024).toFixed(0)} MB (first diagnose), ${(memAgain.hwmKb / 1024).toFixed(0)} MB (after the second)`,
    );
    if (opts.blind > 0) await blindRun(sim, down, opts, client, worker.taskQueue, nodes, again.seconds);
    await stopChild(worker.proc);

    const loopExpect = nodes > opts.fullLoopUpTo && opts.loopSample > 0 ? `a sample of ${opts.loopSample} addresses` : 'every address';
    console.log(`  §3.2 loop over ${loopExpect} (sequential, ≤${PROBE_TIMEOUT_S} s per dead address)…`);
    const loop = await runLoop(sim, down, opts, nodes);
    console.log(
      `  §3.2 loop: probed ${loop.probed} of ${loop.total} addresses (host: + fallback_host: lines), ` +
        `${loop.ok} OK, ${loop.fail} FAIL (expected ${loop.expectedFail}); ${loop.measuredSeconds.toFixed(1)} s` +
        (loop.sampled ? ` → ${loop.seconds.toFixed(1)} s (extrapolated from ${loop.probed} of ${loop.total} addresses)` : ''),
    );
    return {
      nodes,
      down: down.length,
      loop,
      diagnose: d,
      again: { run: again, exact: againJudged.exact && againJudged.otherFindings.length === 0, rssPeakMb: memAgain.hwmKb / 1024 },
      warmupSeconds: warm.seconds,
      exact: first.exact,
      otherFindings: first.otherFindings,
      rssBaselineMb: baseline.rssKb / 1024,
      rssPeakMb: mem.hwmKb / 1024,
      cpuMs: cpu,
    };
  } finally {
    await stopChild(worker.proc);
    await stopChild(sim.proc);
    removeTempDirs((d) => d.includes(`-sim${nodes}-`) || d.includes(`-loop${nodes}-`));
  }
}

/** Whether a diagnose found exactly the injected host-down nodes, and what else it reported. */
function judgeRun(d: DiagnoseRun, down: readonly string[]): { exact: boolean; otherFindings: string[] } {
  const findings = d.report?.findings ?? [];
  const foundDown = findings.filter((f) => f.kind === 'host-down').map((f) => f.node ?? '?');
  const exact = d.report !== undefined && foundDown.length === down.length && [...foundDown].sort().join() === [...down].sort().join();
  return { exact, otherFindings: findings.filter((f) => f.kind !== 'host-down').map((f) => `${f.kind}@${f.node ?? 'cluster'}`) };
}

function printRun(label: string, d: DiagnoseRun, j: { exact: boolean; otherFindings: string[] }, downCount: number): void {
  if (d.error !== undefined) {
    console.log(`  ${label} FAILED after ${d.seconds.toFixed(2)} s (${d.events} history events): ${d.error}`);
  } else {
    console.log(
      `  ${label}: ${d.seconds.toFixed(2)} s, ${d.events} history events; ${kindCounts(d.report)}; host-down findings are ` +
        (j.exact ? 'exactly the injected nodes' : `NOT the injected set (${downCount} injected)`),
    );
    if (j.otherFindings.length > 0) console.log(`  other findings (none injected): ${j.otherFindings.slice(0, 6).join(', ')}${j.otherFindings.length > 6 ? ', …' : ''}`);
  }
  console.log(`  phases (ms): ${phaseLine(d.phases)}`);
}

// ---- main ---------------------------------------------------------------------------------

function existingCli(): { type: 'existing-path'; path: string } {
  const bin = resolveTemporalBinary('cli');
  if (bin.type !== 'existing-path') throw new Error('the benchmark needs a local temporal binary (npm run tools:temporal)');
  return bin;
}

async function main(): Promise<void> {
  const opts = parseOptions();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const started = performance.now();
  console.log(
    `bench/diagnose: sizes ${opts.sizes.join(', ')}; 1/8 host-down; probe timeout ${PROBE_TIMEOUT_S} s; ` +
      `§3.2 loop sampled to ${opts.loopSample || 'all'} addresses above ${opts.fullLoopUpTo} nodes; sim subnet ${opts.subnet}`,
  );

  const work = tempDir('work');
  const noop = (): void => undefined;
  const [env, bundle] = await Promise.all([
    // In-memory dev server on a free port (not 7233/8233, which `npm start` uses); no UI.
    TestWorkflowEnvironment.createLocal({
      server: { executable: existingCli(), ip: '127.0.0.1', searchAttributes: SEARCH_ATTRIBUTE_KEYS, extraArgs: ['--log-level', 'error'] },
    }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error } }),
  ]);
  setDevServerTeardown(() => env.teardown());
  if (!/^127\./.test(env.address)) throw new Error(`dev server is not on loopback: ${env.address}`);
  const bundlePath = join(work, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  console.log(`Temporal dev server at ${env.address}; workflows bundled (${(bundle.code.length / 1024).toFixed(0)} kB)`);

  const rows: SizeResult[] = [];
  for (const nodes of opts.sizes) rows.push(await benchSize(nodes, opts, env.client, env.address, bundlePath));
  printSummary(rows);
  console.log(`\ntotal bench time ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

installExitCleanup();
main()
  .then(async () => {
    await cleanup();
    process.exit(0);
  })
  .catch(async (err) => {
    // After an interrupt, failures are just children being stopped under us.
    if (wasInterrupted()) return;
    console.error(err);
    await cleanup();
    process.exit(1);
  });
