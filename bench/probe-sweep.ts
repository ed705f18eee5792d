// Benchmark: the §3.1/§3.2 probe sweep alone (activities/probe.ts probeNodes), in this process,
// without Temporal: CPU time per sweep of N nodes with 1/8 host-down, against the simulator in
// a child process. The diagnose bench measures the whole workflow; this one isolates the
// activity's own cost so a change to it can be judged by CPU time on a busy machine.
//
//   npm run bench:probe-sweep -- [--nodes 1000] [--sweeps 4] [--subnet 36]
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import type { HostSpec } from '../src/domain/cluster-spec.js';
import { loadCluster } from '../src/config/loader.js';
import { createAgent } from '../activities/transport/http.js';
import { createLimiter } from '../activities/transport/pool.js';
import { probeNodes } from '../activities/probe.js';
import { POLICY } from './lib/bench-config.js';
import { stopChild } from './lib/child-processes.js';
import { cleanup, installExitCleanup } from './lib/cleanup.js';
import { cpuMsOf } from './lib/proc-memory.js';
import { injectHostDown, startSim } from './lib/simulator.js';

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
    options: { nodes: { type: 'string', default: '1000' }, sweeps: { type: 'string', default: '4' }, subnet: { type: 'string', default: '36' } },
  });
  installExitCleanup();
  const nodes = Number(values.nodes);
  const sim = await startSim(nodes, Number(values.subnet));
  const down = new Set(await injectHostDown(sim));
  const spec = loadCluster(sim.hostsFile);
  const names = spec.hosts.map((h) => h.name);
  const limiter = createLimiter(POLICY.probe.concurrency);
  console.log(`probe sweep: ${nodes} nodes, ${down.size} host-down, concurrency ${POLICY.probe.concurrency}`);
  for (let i = 0; i < Number(values.sweeps); i++) {
    const simCpu0 = cpuMsOf(sim.proc.pid ?? 0);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const agent = createAgent(POLICY.probe);
    let peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      if (m.rss > peak.rss) peak = m;
    }, 100);
    const probes = await probeNodes(spec, names, POLICY.probe, agent, limiter);
    await agent.destroy();
    clearInterval(sampler);
    const mb = (b: number): string => (b / 1048576).toFixed(0);
    console.log(`  at peak RSS ${mb(peak.rss)} MB: heap used ${mb(peak.heapUsed)} of ${mb(peak.heapTotal)} MB, external ${mb(peak.external)} MB (array buffers ${mb(peak.arrayBuffers)} MB)`);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const dark = probes.filter((p) => p.via === 'none').map((p) => p.name);
    const exact = dark.length === down.size && dark.every((n) => down.has(n));
    console.log(
      `sweep ${i + 1}: wall ${wall.toFixed(0)} ms · sweeper CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (system ${(cpu.system / 1000).toFixed(0)}) · sim CPU ${(cpuMsOf(sim.proc.pid ?? 0) - simCpu0).toFixed(0)} ms · dark ${dark.length}${exact ? ' (exactly the injected)' : ' (NOT the injected set)'} · maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    );
  }
  const simCpu0 = cpuMsOf(sim.proc.pid ?? 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await bareConnects(spec.hosts, POLICY.probe.concurrency);
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `bare TCP connect+close, 3 ports × ${nodes} primaries: wall ${(performance.now() - t0).toFixed(0)} ms · CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (system ${(cpu.system / 1000).toFixed(0)}) · sim CPU ${(cpuMsOf(sim.proc.pid ?? 0) - simCpu0).toFixed(0)} ms`,
  );
  await stopChild(sim.proc);
  await cleanup();
}

main().catch(async (err) => {
  console.error(err);
  await cleanup();
  process.exit(1);
});
