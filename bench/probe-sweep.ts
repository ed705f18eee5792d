// Benchmark: the §3.1/§3.2 probe sweep alone (activities/probe.ts probeNodes), in this process,
// without Temporal, against the simulator in a child process, N nodes with 1/8 host-down. The
// diagnose bench measures the whole workflow; this one isolates the sweep so a change to it can
// be judged on its own: CPU time (which a busy machine distorts less than wall time), the
// event loop's delay, how long a live node's checks took, and the memory at the peak. It ends
// with the floor under any probe: bare TCP connects to the same ports. See bench/README.md.
//
//   npm run bench:probe-sweep -- [--nodes 1000] [--sweeps 4] [--subnet 36] [--concurrency N] [--healthy-sweeps N] [--no-memory]
import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { ClusterSpec, HostSpec } from '../src/domain/cluster-spec.js';
import type { ProbePolicy } from '../src/domain/policy.js';
import type { NodeProbe } from '../src/domain/probes.js';
import { loadCluster } from '../src/config/loader.js';
import { createAgent } from '../activities/transport/http.js';
import { createLimiter } from '../activities/transport/pool.js';
import { probeNodes, SilentLastTime, type SweepOptions } from '../activities/probe.js';
import { createRollCall } from '../activities/roll-call.js';
import { POLICY } from './lib/bench-config.js';
import { stopChild } from './lib/child-processes.js';
import { cleanup, installExitCleanup } from './lib/cleanup.js';
import { cpuMsOf } from './lib/proc-memory.js';
import { injectHostDown, type Sim, startSim } from './lib/simulator.js';

const mb = (bytes: number): string => (bytes / 1048576).toFixed(0);
const ms = (nanos: number): string => (nanos / 1e6).toFixed(0);

/** p50, p90 and max of a list of milliseconds. */
function spread(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${s[Math.floor(s.length / 2)]} p90 ${s[Math.floor(s.length * 0.9)]} max ${s[s.length - 1]}`;
}

/** CPU of this process (user + system, and system alone) and of the simulator around `fn`. */
async function measured<T>(sim: Sim, fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number; systemMs: number; simCpuMs: number }> {
  const simCpu0 = cpuMsOf(sim.proc.pid ?? 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000, simCpuMs: cpuMsOf(sim.proc.pid ?? 0) - simCpu0 };
}

async function sweep(n: number, sim: Sim, spec: ClusterSpec, probe: ProbePolicy, slots: SweepOptions, down: ReadonlySet<string>, label = ''): Promise<void> {
  const known = slots.silentLastTime?.size ?? 0;
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  let peak = process.memoryUsage();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak = m;
  }, 100);
  const run = await measured(sim, async (): Promise<NodeProbe[]> => {
    const agent = createAgent(probe);
    try {
      return await probeNodes(spec, spec.hosts.map((h) => h.name), probe, agent, slots);
    } finally {
      await agent.destroy();
    }
  });
  clearInterval(sampler);
  lag.disable();
  const live = run.value.filter((p) => p.via !== 'none');
  const dark = run.value.filter((p) => p.via === 'none').map((p) => p.name);
  const exact = dark.length === down.size && dark.every((name) => down.has(name));
  console.log(
    `${label}sweep ${n}: wall ${run.wallMs.toFixed(0)} ms · sweeper CPU ${run.cpuMs.toFixed(0)} ms (system ${run.systemMs.toFixed(0)}) · sim CPU ${run.simCpuMs.toFixed(0)} ms · dark ${dark.length}${exact ? ' (exactly the injected)' : ' (NOT the injected set)'} · started first (silent last time) ${known}`,
  );
  console.log(`  event-loop delay ms: p50 ${ms(lag.percentile(50))} p99 ${ms(lag.percentile(99))} max ${ms(lag.max)}`);
  // Checks of one node that end at the same instant were answered in one burst of the loop.
  console.log(`  live node check ms: p2p ${spread(live.map((p) => p.checks.p2p.ms))} · http ${spread(live.map((p) => p.checks.http.ms))} · ssh ${spread(live.map((p) => p.checks.ssh.ms))}`);
  console.log(`  at peak RSS ${mb(peak.rss)} MB: V8 heap used ${mb(peak.heapUsed)} of ${mb(peak.heapTotal)} MB, external ${mb(peak.external)} MB`);
}

/**
 * The floor under any probe: a bare TCP connect and close to the same three ports of every node's
 * primary address, same concurrency, no HTTP, no SSH read. On loopback the kernel runs both ends
 * of each handshake and teardown inside the connecting process's system calls, so this is CPU the
 * worker pays here that, against remote nodes, the nodes would pay.
 */
async function bareConnects(hosts: readonly HostSpec[], concurrency: number): Promise<void> {
  const limiter = createLimiter(concurrency);
  const one = (address: string, port: number): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ host: address, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => resolve());
    });
  await Promise.all(hosts.map((h) => limiter(() => Promise.all([one(h.host, h.ports.p2p), one(h.host, h.ports.http_api), one(h.host, h.ports.ssh)]))));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '1000' },
      sweeps: { type: 'string', default: '4' },
      subnet: { type: 'string', default: '36' },
      concurrency: { type: 'string' },
      // Every sweep cold, as a worker's first: no memory of the nodes silent last time.
      'no-memory': { type: 'boolean', default: false },
      // Sweeps of the healthy cluster before the hosts go down: the sweep after them is "stale"
      // (the worker has seen every node answer), as a first diagnose after a warm-up is.
      'healthy-sweeps': { type: 'string', default: '0' },
    },
  });
  installExitCleanup();
  const nodes = Number(values.nodes);
  const probe = values.concurrency === undefined ? POLICY.probe : { ...POLICY.probe, concurrency: Number(values.concurrency) };
  const sim = await startSim(nodes, Number(values.subnet));
  const spec = loadCluster(sim.hostsFile);
  // One limiter, roll call and memory of silent nodes for all sweeps, as the worker has.
  const slots: SweepOptions = {
    limiter: createLimiter(probe.concurrency),
    rollCall: createRollCall(probe),
    ...(!values['no-memory'] && { silentLastTime: new SilentLastTime() }),
  };
  const healthy = Number(values['healthy-sweeps']);
  for (let i = 1; i <= healthy; i++) await sweep(i, sim, spec, probe, slots, new Set(), 'healthy ');
  const down = new Set(await injectHostDown(sim));
  console.log(`probe sweep: ${nodes} nodes, ${down.size} host-down, concurrency ${probe.concurrency}, probe timeout ${probe.totalTimeoutMs} ms`);
  for (let i = 1; i <= Number(values.sweeps); i++) await sweep(i, sim, spec, probe, slots, down);
  const floor = await measured(sim, () => bareConnects(spec.hosts, probe.concurrency));
  console.log(
    `bare TCP connect+close, 3 ports × ${nodes} primaries: wall ${floor.wallMs.toFixed(0)} ms · CPU ${floor.cpuMs.toFixed(0)} ms (system ${floor.systemMs.toFixed(0)}) · sim CPU ${floor.simCpuMs.toFixed(0)} ms`,
  );
  await stopChild(sim.proc);
  await cleanup();
}

main().catch(async (err) => {
  console.error(err);
  await cleanup();
  process.exit(1);
});
