// Every fault: inject it, see the symptom through real HTTP/SSH/TCP, apply the runbook's fix,
// see the cluster healthy again. Also quorum bookkeeping and the mutation log. Subnet 12.
import http from 'node:http';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshCommand } from '../../src/domain/ssh-catalog.js';
import { type SimulatorHandle, SimUsageError, startSimulator } from '../../src/sim/index.js';
import { getJson, ssh, tcpProbe, until } from './helpers.js';
import { subnet } from '../helpers/subnets.js';

let sim: SimulatorHandle;
const KEY = 'faults-test-key';
const cmd = (step: Parameters<typeof sshCommand>[0]) =>
  sshCommand(step, { serviceDir: '~/ringrift/ai-service', backbone: 'nebius-backbone-1', p2pPort: 8770 });

beforeAll(async () => {
  sim = await startSimulator({ nodes: 9, voters: 5, subnet: subnet('sim/faults'), timeScale: 0.05, seed: 7, adminKey: KEY });
});
afterAll(async () => {
  await sim?.stop();
});

const st = () => sim.state();
const byName = (name: string) => st().nodes.find((n) => n.name === name)!;
const voters = () => st().nodes.filter((n) => n.role === 'voter');
const worker = () => st().nodes.find((n) => n.role === 'worker')!;
const status = async (host: string) => (await getJson(`http://${host}:8770/status`)).body;
const healthy = async () => {
  const s = await status(st().nodes[0]!.host);
  return s.cluster_health === 'healthy' && s.alive_peers === 9 && s.leader_id !== null;
};

interface Peer {
  HostName: string;
  Online: boolean;
  TailscaleIPs: string[];
}
function localApi(): Promise<{ Peer: Record<string, Peer> }> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: sim.socketPath, path: '/localapi/v0/status', headers: { host: 'local-tailscaled.sock' } }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(JSON.parse(b)));
      })
      .on('error', reject);
  });
}

async function restartP2p(host: string): Promise<void> {
  expect((await ssh(sim, host, cmd('p2p-stop'))).code).toBe(0);
  expect((await ssh(sim, host, cmd('p2p-start'))).code).toBe(0);
  // Poll, don't sleep: the daemon takes daemonStartMs to listen.
  await until(async () => (await status(host)).status === 'running', `p2p on ${host}`);
}

describe('faults', () => {
  it('p2p-down: :8770 refuses; a p2p restart over SSH fixes it', async () => {
    const w = worker();
    sim.fault(w.name, 'p2p-down');
    expect(byName(w.name)).toMatchObject({ daemon: 'stopped', faults: ['p2p-down'] });
    expect(await tcpProbe(w.host, 8770)).toBe('refused');
    expect(await tcpProbe(w.fallback_host, 8770)).toBe('refused');
    expect((await getJson(`http://${w.host}:8765/health`)).body).toEqual({ status: 'ok', node_id: w.name });
    const view = await status(st().nodes[0]!.host);
    expect(view).toMatchObject({ alive_peers: 8, total_peers: 9, cluster_health: 'degraded' });
    await restartP2p(w.host);
    expect(byName(w.name).faults).toEqual([]);
    expect(await healthy()).toBe(true);
  });

  it('tailscale-down: primary resets, fallback answers, LocalAPI shows offline; `sudo tailscale up` fixes it', async () => {
    const w = worker();
    sim.fault(w.name, 'tailscale-down');
    expect(await tcpProbe(w.host, 8770)).toBe('reset');
    expect(await tcpProbe(w.host, 2222)).toBe('reset');
    expect((await status(w.fallback_host)).node_id).toBe(w.name);
    const peer = Object.values((await localApi()).Peer).find((p) => p.HostName === w.name);
    expect(peer).toMatchObject({ Online: false, TailscaleIPs: [w.host] });
    // Still in the P2P mesh over the internal network.
    expect((await status(st().nodes[0]!.host)).alive_peers).toBe(9);
    expect((await ssh(sim, w.fallback_host, cmd('tailscale-up'))).code).toBe(0);
    expect((await status(w.host)).node_id).toBe(w.name);
    expect(Object.values((await localApi()).Peer).find((p) => p.HostName === w.name)!.Online).toBe(true);
  });

  it('tailscale-down over the primary: a restart-detached survives and fixes it', async () => {
    const w = worker();
    sim.fault(w.name, 'tailscale-down');
    expect((await ssh(sim, w.fallback_host, cmd('tailscale-restart-detached'))).code).toBe(0);
    await until(() => byName(w.name).faults.length === 0, 'tailscale back');
    expect((await ssh(sim, w.host, 'echo ok')).stdout).toBe('ok\n');
  });

  it('partition: node sees only itself; fixed by networkd, tailscale down+up, p2p restart — in that order (§4.5)', async () => {
    const w = worker();
    sim.fault(w.name, 'partition');
    expect(await status(w.host)).toMatchObject({ node_id: w.name, alive_peers: 1, leader_id: null, cluster_health: 'partitioned' });
    expect(await status(st().nodes[0]!.host)).toMatchObject({ alive_peers: 8, cluster_health: 'degraded' });
    const reach = await ssh(sim, w.host, cmd('reach-backbone'));
    expect(reach).toEqual({ code: 28, stdout: '', stderr: '' });
    // The other way round fails too.
    const back = await ssh(sim, st().nodes[0]!.host, `curl -s --connect-timeout 5 http://${w.name}:8770/status`);
    expect(back.code).toBe(28);
    // A p2p restart alone does not fix it; nor does tailscale before networkd.
    await restartP2p(w.host);
    await ssh(sim, w.fallback_host, 'sudo tailscale down && sudo tailscale up');
    await restartP2p(w.host);
    expect((await status(w.host)).cluster_health).toBe('partitioned');
    // The runbook's own §4.5 script, over the fallback (tailscale down would cut the primary).
    const r = await ssh(
      sim,
      w.fallback_host,
      `
  # Check if node can reach other nodes
  curl -s --connect-timeout 5 http://nebius-backbone-1:8770/status

  # Restart network stack if needed
  sudo systemctl restart systemd-networkd

  # Restart Tailscale
  sudo tailscale down && sudo tailscale up

  # Restart P2P daemon
  cd ~/ringrift/ai-service
  pkill -f p2p_daemon
  nohup python -m app.distributed.p2p_daemon > logs/p2p.log 2>&1 &
`,
      { shell: true },
    );
    expect(r.code).toBe(0);
    await until(async () => (await status(w.host)).alive_peers === 9, 'rejoined');
    expect(byName(w.name).faults).toEqual([]);
    expect(await healthy()).toBe(true);
    const ok = await ssh(sim, w.host, cmd('reach-backbone'));
    expect(JSON.parse(ok.stdout).node_id).toBe('nebius-backbone-1');
  });

  it('slow-rejoin: a restarted daemon says `running` but counts nowhere until it rejoins', async () => {
    const v = voters()[2]!;
    sim.fault(v.name, 'slow-rejoin');
    sim.cluster.minVotersAlive = sim.cluster.votersAliveNow;
    await restartP2p(v.host); // returns once /status says running
    // Running, not rejoined: no leader, only itself, not counted by the others.
    expect(await status(v.host)).toMatchObject({ status: 'running', leader_id: null, alive_peers: 1, cluster_health: 'critical' });
    expect((await status(st().nodes[0]!.host)).alive_peers).toBe(8);
    expect(st().min_voters_alive).toBe(4);
    await until(async () => (await status(v.host)).leader_id !== null, `${v.name} rejoined`);
    expect(await healthy()).toBe(true);
    sim.fault(v.name, 'slow-rejoin', { clear: true });
  });

  it('flapping: the daemon dies now and again flapAfterMs after each restart; --clear brings it back for good', async () => {
    const w = st().nodes.filter((n) => n.role === 'worker')[1]!;
    sim.fault(w.name, 'flapping');
    expect(byName(w.name)).toMatchObject({ daemon: 'stopped', faults: ['p2p-down', 'flapping'] });
    // A restart works, then the daemon dies on its own (10 s, scaled to 0.5 s here): twice.
    for (let i = 0; i < 2; i++) {
      await restartP2p(w.host);
      await until(() => byName(w.name).daemon === 'stopped', `${w.name} crashed again (${i + 1})`);
      expect(await tcpProbe(w.host, 8770)).toBe('refused');
    }
    sim.fault(w.name, 'flapping', { clear: true });
    expect(byName(w.name)).toMatchObject({ daemon: 'running', faults: [] });
    // Cleared: a restarted daemon has no crash pending.
    await restartP2p(w.host);
    expect(sim.cluster.byName.get(w.name)!.flapTimer).toBeUndefined();
    expect(byName(w.name).faults).toEqual([]);
    expect(await healthy()).toBe(true);
  });

  it('host-down: every port on both addresses accepts and never answers (no SSH banner); only --clear fixes it', async () => {
    const w = worker();
    sim.fault(w.name, 'host-down');
    for (const addr of [w.host, w.fallback_host]) {
      for (const port of [2222, 8765, 8770]) expect(await tcpProbe(addr, port)).toBe('silent');
    }
    await expect(getJson(`http://${w.host}:8770/status`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect((await status(st().nodes[0]!.host)).alive_peers).toBe(8);
    expect((await ssh(sim, st().nodes[0]!.host, `curl -s --connect-timeout 2 http://${w.fallback_host}:8770/status`)).code).toBe(28);
    sim.fault(w.name, 'host-down', { clear: true });
    await until(async () => (await tcpProbe(w.host, 2222)) === 'data', `the SSH banner of ${w.name} again`);
    expect(await healthy()).toBe(true);
  });

  it('leader-lost: no leader until POST /admin/trigger-election on a healthy node', async () => {
    sim.fault('cluster', 'leader-lost');
    const w = worker();
    expect(await status(w.host)).toMatchObject({ leader_id: null, cluster_health: 'critical' });
    expect(st().cluster_faults).toEqual(['leader-lost']);
    // Nothing heals by itself: the simulator has no timer that could, and node after node,
    // each asked in turn, still sees no leader (state, not a guessed delay).
    for (const n of st().nodes) expect((await status(n.host)).leader_id, n.name).toBeNull();
    expect(st().leader_id).toBeNull();
    const r = await getJson(`http://${w.host}:8770/admin/trigger-election`, { method: 'POST' });
    expect(r.status).toBe(202);
    expect((await status(w.host)).leader_id).not.toBeNull();
    expect(st().cluster_faults).toEqual([]);
    expect(st().mutations.at(-1)).toMatchObject({ source: 'http', node: w.name, command: 'POST /admin/trigger-election' });
  });

  it('leader-lost: a voter p2p restart also brings a leader back', async () => {
    sim.fault('cluster', 'leader-lost');
    const v = voters()[1]!;
    await restartP2p(v.host);
    await until(async () => (await status(v.host)).leader_id !== null, 'leader');
    expect(st().cluster_faults).toEqual([]);
  });

  it('election-stuck: trigger-election is accepted but useless until every voter restarted', async () => {
    sim.fault('cluster', 'election-stuck');
    const w = worker();
    expect((await getJson(`http://${w.host}:8770/admin/trigger-election`, { method: 'POST' })).status).toBe(202);
    expect((await status(w.host)).leader_id).toBeNull();
    const vs = voters();
    for (const [i, v] of vs.entries()) {
      expect(st().leader_id).toBeNull();
      // Rolling, one voter at a time: quorum is kept throughout.
      await restartP2p(v.host);
      if (i < vs.length - 1) expect(st().cluster_faults).toContain('election-stuck');
    }
    await until(async () => (await status(w.host)).leader_id !== null, 'leader after rolling restart');
    expect(st()).toMatchObject({ cluster_faults: [], quorum_lost: false, min_voters_alive: 4 });
  });

  it('sync-stalled: admin API needs the key; trigger does nothing; force_full_sync on the coordinator fixes it', async () => {
    const admin = `http://${st().nodes[0]!.host}:8001`;
    expect((await getJson(`${admin}/admin/sync/status`)).status).toBe(401);
    expect((await getJson(`${admin}/admin/sync/status`, { headers: { 'X-Admin-Key': 'wrong' } })).status).toBe(401);
    const h = { headers: { 'X-Admin-Key': KEY } };
    // Healthy sync: a trigger runs to completion.
    const t = await getJson(`${admin}/admin/sync/trigger?categories=games&categories=models`, { method: 'POST', ...h });
    expect(t.status).toBe(202);
    await until(async () => (await getJson(`${admin}/admin/sync/status`, h)).body.progress === 1, 'sync done');
    expect(await tcpProbe(st().nodes[1]!.host, 8001)).toBe('refused');

    sim.fault('cluster', 'sync-stalled');
    const s1 = (await getJson(`${admin}/admin/sync/status`, h)).body;
    expect(s1).toMatchObject({ stalled: true, in_progress: true });
    expect(s1.progress).toBeLessThan(1);
    expect(Object.keys(s1.categories)).toEqual(expect.arrayContaining(['games', 'models']));
    expect(s1.categories.games).toEqual({ progress: expect.any(Number), last_sync_at: expect.any(String), pending: expect.any(Number) });
    await getJson(`${admin}/admin/sync/trigger`, { method: 'POST', ...h });
    // Frozen: a moving sync's progress is a function of the clock (a full sync takes 100 ms at
    // this time-scale), so any two answers apart would differ; these three never do.
    for (let i = 0; i < 3; i++) expect((await getJson(`${admin}/admin/sync/status`, h)).body.progress).toBe(s1.progress);
    expect((await ssh(sim, st().nodes[0]!.host, cmd('force-full-sync'))).code).toBe(0);
    await expect
      .poll(async () => (await getJson(`${admin}/admin/sync/status`, h)).body)
      .toMatchObject({ stalled: false, in_progress: false, progress: 1 });
    expect(st().cluster_faults).toEqual([]);
  });

  it('ip-changed: servers move to 127.62.x.y; fixed once the hosts file names the new address', async () => {
    const w = worker();
    sim.fault(w.name, 'ip-changed');
    const moved = byName(w.name).moved_to!;
    expect(moved).toMatch(/^127\.62\.\d+\.\d+$/);
    expect(await tcpProbe(w.host, 8770)).toBe('refused');
    expect((await status(moved)).node_id).toBe(w.name);
    expect((await ssh(sim, moved, 'echo moved')).stdout).toBe('moved\n');
    const peer = Object.values((await localApi()).Peer).find((p) => p.HostName === w.name)!;
    expect(peer.TailscaleIPs).toEqual([moved]);
    expect(byName(w.name).faults).toEqual(['ip-changed']);
    // §4.6: write the new address into the hosts file, atomically.
    const text = readFileSync(sim.hostsFile, 'utf8').split(`host: ${w.host}\n`).join(`host: ${moved}\n`);
    writeFileSync(`${sim.hostsFile}.tmp`, text);
    renameSync(`${sim.hostsFile}.tmp`, sim.hostsFile);
    await until(() => byName(w.name).faults.length === 0, 'ip-changed fixed');
    expect(byName(w.name).host).toBe(moved);
    expect((await status(moved)).node_id).toBe(w.name);
  });

  it('faults combine and --clear removes one without the fix', async () => {
    const w = st().nodes.filter((n) => n.role === 'worker')[1]!;
    sim.fault(w.name, 'p2p-down');
    sim.fault(w.name, 'tailscale-down');
    sim.fault(w.name, 'partition');
    expect(byName(w.name).faults).toEqual(['p2p-down', 'tailscale-down', 'partition']);
    sim.fault(w.name, 'tailscale-down', { clear: true });
    expect(byName(w.name).faults).toEqual(['p2p-down', 'partition']);
    sim.fault(w.name, 'partition', { clear: true });
    sim.fault(w.name, 'p2p-down', { clear: true });
    await until(async () => (await status(w.host)).cluster_health === 'healthy', 'healthy');
    sim.fault('cluster', 'sync-stalled');
    sim.fault('cluster', 'sync-stalled', { clear: true });
    sim.fault('cluster', 'election-stuck');
    sim.fault('cluster', 'election-stuck', { clear: true });
    expect(st()).toMatchObject({ cluster_faults: [] });
    expect(st().leader_id).not.toBeNull();
  });

  it('rejects unknown faults and nodes, and faults aimed at the wrong target', () => {
    expect(() => sim.fault('nope-1', 'p2p-down')).toThrow(SimUsageError);
    expect(() => sim.fault('cluster', 'meteor-strike')).toThrow(/unknown fault "meteor-strike"/);
    expect(() => sim.fault('cluster', 'p2p-down')).toThrow(/needs a node name/);
    expect(() => sim.fault(st().nodes[0]!.name, 'leader-lost')).toThrow(/cluster-wide/);
  });

  it('tracks min_voters_alive and quorum_lost when a majority of voters goes down', async () => {
    const vs = voters();
    for (const v of vs.slice(0, 3)) sim.fault(v.name, 'p2p-down');
    expect(st()).toMatchObject({ leader_id: null, min_voters_alive: 2, quorum_lost: true, voters_alive: 2 });
    expect((await status(vs[4]!.host)).cluster_health).toBe('critical');
    // A trigger cannot elect without a majority.
    expect((await getJson(`http://${vs[4]!.host}:8770/admin/trigger-election`, { method: 'POST' })).status).toBe(503);
    for (const v of vs.slice(0, 3)) await restartP2p(v.host);
    expect(await healthy()).toBe(true);
    expect(st()).toMatchObject({ min_voters_alive: 2, quorum_lost: true, voters_alive: 5 });
    const sources = new Set(st().mutations.map((m) => m.source));
    expect(sources).toEqual(new Set(['ssh', 'http', 'control']));
    expect(st().mutations.filter((m) => m.source === 'control').map((m) => m.command)).toContain(`fault ${vs[0]!.name} p2p-down`);
  });
});
