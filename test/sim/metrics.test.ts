// GET :8770/metrics on simulated nodes (docs/reference/metrics.md): Prometheus text that `promtool
// check metrics` accepts, whose values follow the faults the alert rules watch.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { subnet } from '../helpers/subnets.js';
import { tcpProbe, until } from './helpers.js';

let sim: SimulatorHandle;
beforeAll(async () => {
  // A slow full sync (60 s at scale 1 → 6 s) so a running sync is seen moving between two scrapes.
  sim = await startSimulator({ nodes: 5, voters: 3, subnet: subnet('sim/metrics'), timeScale: 0.1, syncMs: 60_000 });
});
afterAll(async () => {
  await sim?.stop();
});

const nodes = () => sim.state().nodes;

async function scrape(host: string): Promise<{ text: string; contentType: string | null }> {
  const r = await fetch(`http://${host}:8770/metrics`, { signal: AbortSignal.timeout(5000) });
  expect(r.status).toBe(200);
  return { text: await r.text(), contentType: r.headers.get('content-type') };
}

/** Samples of one metric: label text ('' when none) → value. */
async function metric(host: string, name: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await scrape(host)).text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}
const value = async (host: string, name: string): Promise<number | undefined> => (await metric(host, name)).get('');

const inCi = Boolean(process.env['CI']);
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

describe('simulated node /metrics', () => {
  it.skipIf(!hasPromtool && !inCi)('is Prometheus text that promtool check metrics accepts, on a worker and on the coordinator', async () => {
    if (!hasPromtool) throw new Error('promtool missing: CI must install Debian prometheus');
    for (const n of [nodes()[0]!, nodes()[4]!]) {
      const { text, contentType } = await scrape(n.host);
      expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    }
  });

  it('reports peers, voters, leader and role of a healthy cluster', async () => {
    const leader = nodes().find((n) => n.name === sim.state().leader_id);
    const worker = nodes().find((n) => n.role === 'worker');
    expect(await value(leader!.host, 'p2p_alive_peers')).toBe(5);
    expect(await value(leader!.host, 'p2p_total_peers')).toBe(5);
    expect(await value(leader!.host, 'p2p_voters_alive')).toBe(3);
    expect(await value(leader!.host, 'p2p_voters_configured')).toBe(3);
    expect(await value(worker!.host, 'p2p_leader_known')).toBe(1);
    expect(await value(leader!.host, 'p2p_is_leader')).toBe(1);
    expect(await value(worker!.host, 'p2p_is_leader')).toBe(0);
    expect(await value(leader!.host, 'p2p_is_voter')).toBe(1);
    expect(await value(worker!.host, 'p2p_is_voter')).toBe(0);
    expect([...(await metric(worker!.host, 'p2p_node_info')).keys()]).toEqual([`{node_id="${worker!.name}",role="worker"}`]);
    // Only the sync host (the coordinator) reports sync progress: one alert, not one per node.
    const coordinator = nodes().find((n) => n.name === sim.state().coordinator)!;
    expect([...(await metric(coordinator.host, 'p2p_sync_progress_ratio')).keys()].sort()).toEqual(
      ['{category="elo"}', '{category="games"}', '{category="models"}', '{category="training"}'],
    );
    expect((await metric(worker!.host, 'p2p_sync_progress_ratio')).size).toBe(0);
  });

  it('p2p-down: the scrape fails (connection refused); the other nodes count one peer less', async () => {
    const victim = nodes()[3]!;
    sim.fault(victim.name, 'p2p-down');
    try {
      expect(await tcpProbe(victim.host, 8770)).toBe('refused');
      await expect(fetch(`http://${victim.host}:8770/metrics`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
      expect(await value(nodes()[0]!.host, 'p2p_alive_peers')).toBe(4);
    } finally {
      sim.fault(victim.name, 'p2p-down', { clear: true });
    }
    await until(async () => (await value(victim.host, 'p2p_alive_peers')) === 5, 'the restarted daemon to report 5 peers');
  });

  it('partition: the partitioned node sees only itself and no leader; the rest see one peer less', async () => {
    const victim = nodes()[4]!;
    sim.fault(victim.name, 'partition');
    try {
      expect(await value(victim.host, 'p2p_alive_peers')).toBe(1);
      expect(await value(victim.host, 'p2p_leader_known')).toBe(0);
      expect(await value(nodes()[1]!.host, 'p2p_alive_peers')).toBe(4);
      expect(await value(nodes()[1]!.host, 'p2p_leader_known')).toBe(1);
    } finally {
      sim.fault(victim.name, 'partition', { clear: true });
    }
    expect(await value(victim.host, 'p2p_alive_peers')).toBe(5);
  });

  it('leader-lost: no node knows a leader, and none is leader', async () => {
    sim.fault('cluster', 'leader-lost');
    try {
      for (const n of nodes()) {
        expect(await value(n.host, 'p2p_leader_known'), n.name).toBe(0);
        expect(await value(n.host, 'p2p_is_leader'), n.name).toBe(0);
      }
    } finally {
      sim.fault('cluster', 'leader-lost', { clear: true });
    }
    expect(await value(nodes()[2]!.host, 'p2p_leader_known')).toBe(1);
  });

  it('sync: a triggered sync moves between scrapes; a stalled one stays flat below 1 until cleared', async () => {
    const coordinator = nodes()[0]!.host;
    const games = async (): Promise<number> => (await metric(coordinator, 'p2p_sync_progress_ratio')).get('{category="games"}')!;
    sim.cluster.triggerSync(['games']);
    const first = await games();
    expect(first).toBeLessThan(1);
    await until(async () => (await games()) > first, 'games sync progress to move');
    expect(await value(coordinator, 'p2p_sync_in_progress')).toBe(1);

    sim.fault('cluster', 'sync-stalled');
    const stalled = await games();
    expect(stalled).toBeLessThan(1);
    // Flat: later scrapes (while the simulated sync clock runs) still read the same progress.
    const later = Date.now() + 1500;
    await until(() => Date.now() > later, 'time to pass');
    expect(await games()).toBe(stalled);
    expect((await metric(coordinator, 'p2p_sync_pending_items')).get('{category="games"}')).toBeGreaterThan(0);

    sim.fault('cluster', 'sync-stalled', { clear: true });
    await until(async () => (await games()) > stalled, 'progress to move again after the stall cleared');
  });
});
