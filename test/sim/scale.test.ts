// 1,000 nodes on a 2-core machine: start, spot-check real servers, stop cleanly. Subnet 13.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/loader.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { getJson, ssh, tcpProbe } from './helpers.js';
import { subnet } from '../helpers/subnets.js';

let sim: SimulatorHandle | undefined;
afterAll(async () => {
  await sim?.stop();
});

describe('1,000 nodes', () => {
  it('starts, answers on every kind of server, and stops leaving nothing behind', async () => {
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    sim = await startSimulator({ nodes: 1000, subnet: subnet('sim/scale'), timeScale: 0.05 });
    const ms = performance.now() - t0;
    const rss = process.memoryUsage().rss;
    // Reported, not asserted: timing assertions flake on shared machines.
    console.log(`1000-node start: ${Math.round(ms)} ms, rss ${Math.round(rss / 2 ** 20)} MiB (+${Math.round((rss - rss0) / 2 ** 20)} MiB)`);

    const cluster = loadCluster(sim.hostsFile);
    expect(cluster.hosts).toHaveLength(1000);
    expect(cluster.voter_nodes).toHaveLength(5);
    expect(new Set(cluster.hosts.map((h) => h.host)).size).toBe(1000);
    const last = cluster.hosts[999]!;
    expect(last.host).toBe('127.13.3.238');
    expect(last.fallback_host).toBe('127.113.3.238');

    const s = (await getJson(`http://${last.host}:8770/status`)).body;
    expect(s).toMatchObject({ node_id: last.name, alive_peers: 1000, total_peers: 1000, cluster_health: 'healthy' });
    expect((await getJson(`http://${cluster.hosts[500]!.fallback_host}:8765/health`)).body.status).toBe('ok');
    expect((await ssh(sim, cluster.hosts[777]!.fallback_host!, 'echo OK')).stdout).toBe('OK\n');
    const ts = await ssh(sim, cluster.hosts[0]!.host, 'tailscale status | grep -c linux');
    expect(ts.stdout).toBe('1000\n');

    const handle = sim;
    sim = undefined;
    await handle.stop();
    for (const h of [cluster.hosts[0]!, last, cluster.hosts[500]!]) {
      for (const port of [2222, 8765, 8770]) expect(await tcpProbe(h.host, port)).toBe('refused');
      expect(await tcpProbe(h.fallback_host!, 2222)).toBe('refused');
    }
    expect(await tcpProbe(cluster.hosts[0]!.host, 8001)).toBe('refused');
    expect(existsSync(join(handle.dir, 'tailscaled.sock'))).toBe(false);
    expect(existsSync(join(handle.dir, 'sim.json'))).toBe(false);
  });
});
