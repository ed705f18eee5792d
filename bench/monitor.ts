// Benchmark: what the health monitor (§5.2) costs per heartbeat at 64, 256 and 1,000 nodes with
// 1/8 of them host-down: sweep wall time, worker CPU, history events per hour, and whether a
// cycle fits in the heartbeat interval. Prints figures; asserts nothing. See bench/README.md.
//
// Processes as in bench/diagnose.ts: one in-memory dev server; per size the simulator and the
// worker (bench/worker-process.ts) in child processes of their own, so the CPU read from
// /proc/<pid>/stat is the worker's alone. Recovery is switched off (a threshold no node reaches),
// so what is measured is the watching itself, not recover-node.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { startWorkflow } from '../src/client/start.js';
import type { MonitorInput, MonitorProgress } from '../src/domain/monitor.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/search-attributes.js';
import { WORKFLOWS_PATH } from '../src/worker/worker.js';
import { progressQuery } from '../workflows/messages.js';
import { stopChild } from './lib/child-processes.js';
import { cleanup, installExitCleanup, removeTempDirs, setDevServerTeardown, tempDir, wasInterrupted } from './lib/cleanup.js';
import { injectHostDown, startSim } from './lib/simulator.js';
import { startWorker } from './lib/worker.js';

interface Options {
  sizes: number[];
  cycles: number;
  intervalS: number;
  subnet: number;
}

function usage(msg: string): never {
  console.error(`${msg}\nusage: npm run bench:monitor -- [--sizes 64,256,1000] [--cycles N] [--interval S] [--subnet K]`);
  process.exit(2);
}

function int(name: string, raw: string, lo: number, hi: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < lo || Number(raw) > hi) usage(`${name} must be an integer from ${lo} to ${hi}, got "${raw}"`);
  return Number(raw);
}

function parseOptions(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        sizes: { type: 'string', default: '64,256,1000' },
        cycles: { type: 'string', default: '6' },
        interval: { type: 'string', default: '5' },
        subnet: { type: 'string', default: '133' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage('bench/monitor: the health monitor\'s cost per heartbeat (see bench/README.md)');
  return {
    sizes: values.sizes.split(',').map((s) => int('--sizes', s.trim(), 8, 10_000)),
    cycles: int('--cycles', values.cycles, 2, 1000),
    intervalS: int('--interval', values.interval, 1, 3600),
    subnet: int('--subnet', values.subnet, 1, 155),
  };
}

/** utime + stime of a process, in seconds (Linux clock ticks are 100 Hz). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Row {
  nodes: number;
  down: number;
  sweepMeanMs: number;
  sweepMaxMs: number;
  cpuPerCycleMs: number;
  eventsPerCycle: number;
  eventsPerHour: number;
  missedSeen: number;
  fits: boolean;
}

async function benchSize(nodes: number, opts: Options, client: Client, address: string, bundlePath: string): Promise<Row> {
  console.log(`\n== ${nodes} nodes ==`);
  const sim = await startSim(nodes, opts.subnet);
  const worker = await startWorker(address, sim, bundlePath, nodes);
  const pid = worker.proc.pid!;
  try {
    const down = await injectHostDown(sim);
    console.log(`  injected host-down on ${down.length} of ${nodes} nodes`);
    const intervalMs = opts.intervalS * 1000;
    const input: MonitorInput = {
      heartbeatIntervalMs: intervalMs,
      failureThreshold: 1_000_000,
      remediateCluster: false,
      maxCycles: opts.cycles,
    };
    const cpu0 = cpuSeconds(pid);
    const h = await startWorkflow(client, 'health-monitor', { taskQueue: worker.taskQueue, workflowId: `bench-monitor-${nodes}-${Date.now().toString(36)}`, input });
    await h.result();
    const cpu = cpuSeconds(pid) - cpu0;
    const events = (await h.fetchHistory()).events ?? [];
    // Sweep time from history: scheduled → completed of each heartbeatSweep.
    const scheduled = new Map<string, number>();
    const sweeps: number[] = [];
    let missedSeen = 0;
    for (const e of events) {
      const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
      const s = e.activityTaskScheduledEventAttributes;
      if (s?.activityType?.name === 'heartbeatSweep') scheduled.set(String(e.eventId), at);
      const c = e.activityTaskCompletedEventAttributes;
      if (c) {
        const from = scheduled.get(String(c.scheduledEventId));
        if (from !== undefined) sweeps.push(at - from);
      }
    }
    // Progress lists 50 nodes by name; the counts cover all of them.
    const p = (await h.query(progressQuery)) as Partial<MonitorProgress>;
    missedSeen = (p.monitor?.total ?? 0) - (p.monitor?.answered ?? 0);
    // The first sweep opens every connection; the steady state is the rest.
    const steady = sweeps.length > 1 ? sweeps.slice(1) : sweeps;
    const mean = steady.reduce((a, b) => a + b, 0) / Math.max(1, steady.length);
    const max = Math.max(...steady);
    const perCycle = events.length / opts.cycles;
    const row: Row = {
      nodes,
      down: down.length,
      sweepMeanMs: mean,
      sweepMaxMs: max,
      cpuPerCycleMs: (cpu * 1000) / opts.cycles,
      eventsPerCycle: perCycle,
      eventsPerHour: perCycle * (3_600_000 / intervalMs),
      missedSeen,
      fits: max < intervalMs,
    };
    console.log(
      `  ${opts.cycles} heartbeats: sweep ${mean.toFixed(0)} ms mean, ${max} ms max (first ${sweeps[0]} ms); worker CPU ${row.cpuPerCycleMs.toFixed(0)} ms/cycle; ` +
        `${events.length} history events (${perCycle.toFixed(1)}/cycle); nodes seen missing: ${missedSeen}`,
    );
    return row;
  } finally {
    await stopChild(worker.proc);
    await stopChild(sim.proc);
    removeTempDirs((d) => d.includes(`-sim${nodes}-`));
  }
}

function printRows(rows: Row[], opts: Options): void {
  console.log(`\nper heartbeat (interval ${opts.intervalS} s, 1/8 host-down, probe timeout 3 s):`);
  console.log('nodes  down  sweep mean  sweep max  worker CPU  events/cycle  events/hour  fits interval');
  for (const r of rows) {
    console.log(
      `${String(r.nodes).padStart(5)}  ${String(r.down).padStart(4)}  ${`${r.sweepMeanMs.toFixed(0)} ms`.padStart(10)}  ${`${r.sweepMaxMs} ms`.padStart(9)}  ` +
        `${`${r.cpuPerCycleMs.toFixed(0)} ms`.padStart(10)}  ${r.eventsPerCycle.toFixed(1).padStart(12)}  ${r.eventsPerHour.toFixed(0).padStart(11)}  ${r.fits ? 'yes' : 'NO'}`,
    );
  }
}

function existingCli(): { type: 'existing-path'; path: string } {
  const bin = resolveTemporalBinary('cli');
  if (bin.type !== 'existing-path') throw new Error('the benchmark needs a local temporal binary (npm run tools:temporal)');
  return bin;
}

async function main(): Promise<void> {
  const opts = parseOptions();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  console.log(`bench/monitor: sizes ${opts.sizes.join(', ')}; ${opts.cycles} heartbeats of ${opts.intervalS} s each; 1/8 host-down; sim subnet ${opts.subnet}`);
  const work = tempDir('work');
  const noop = (): void => undefined;
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: { executable: existingCli(), ip: '127.0.0.1', searchAttributes: SEARCH_ATTRIBUTE_KEYS, extraArgs: ['--log-level', 'error'] },
    }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error } }),
  ]);
  setDevServerTeardown(() => env.teardown());
  const bundlePath = join(work, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const rows: Row[] = [];
  for (const nodes of opts.sizes) rows.push(await benchSize(nodes, opts, env.client, env.address, bundlePath));
  printRows(rows, opts);
}

installExitCleanup();
main()
  .then(async () => {
    await cleanup();
    process.exit(0);
  })
  .catch(async (err) => {
    if (wasInterrupted()) return;
    console.error(err);
    await cleanup();
    process.exit(1);
  });
