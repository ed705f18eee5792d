// blind-to-worker seen from both sides, and the peer check a healthy node runs for a node the
// worker cannot reach (DESIGN §11): from outside the node's P2P and health ports refuse while
// SSH answers; from inside the cluster nothing changed. Subnet 38.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/loader.js';
import { sshCommand } from '../../src/domain/ssh-catalog.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { getJson, ssh, tcpProbe, until } from './helpers.js';
import { subnet } from '../helpers/subnets.js';

let sim: SimulatorHandle;
const cmd = (step: Parameters<typeof sshCommand>[0]) =>
  sshCommand(step, { serviceDir: '~/ringrift/ai-service', backbone: 'nebius-backbone-1', p2pPort: 8770 });

beforeAll(async () => {
  sim = await startSimulator({ nodes: 5, voters: 3, subnet: subnet('sim/blind-to-worker'), timeScale: 0.05, seed: 3 });
});
afterAll(async () => {
  await sim?.stop();
});

/** A node as the written config describes it: its address and ports come from there only. */
const configured = (i: number) => loadCluster(sim.hostsFile).hosts[i]!;

/** The peer check, byte for byte as a healthy peer is sent it for node `i`. */
function peerCheck(i: number): string {
  const h = configured(i);
  return [
    `curl -s -o /dev/null --connect-timeout 3 -m 4 -w "p2p %{http_code} " http://${h.host}:${h.ports.p2p}/status; echo "exit $?"`,
    `curl -s -o /dev/null --connect-timeout 3 -m 4 http://${h.host}:${h.ports.ssh}/; echo "ssh exit $?"`,
  ].join('\n');
}

/** Runs the peer check for node `target` on node `from` over real SSH; the log must not grow. */
async function peerCheckFrom(from: number, target: number): Promise<string> {
  const before = sim.state().mutations.length;
  const r = await ssh(sim, configured(from).host, peerCheck(target));
  expect(r).toMatchObject({ code: 0, stderr: '' });
  // Read-only: nothing it does is a mutation.
  expect(sim.state().mutations.length).toBe(before);
  return r.stdout;
}

const fetchError = (url: string): Promise<string | undefined> =>
  fetch(url, { signal: AbortSignal.timeout(5000) }).then(
    () => 'answered',
    (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.name,
  );

/** GET over one kept-alive connection per agent: the status code, or the socket error's code. */
function keptAlive(agent: http.Agent, url: string): Promise<string> {
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
      })
      .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

const statusOf = async (i: number) => (await getJson(`http://${configured(i).host}:${configured(i).ports.p2p}/status`)).body;

describe('blind-to-worker', () => {
  it('from outside: P2P and health refuse at once on both addresses; SSH still answers and runs commands', async () => {
    const t = sim.state().nodes[2]!;
    // Connections the worker already holds are cut too, not only new ones.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const open = [`http://${t.host}:8770/status`, `http://${t.fallback_host}:8765/health`];
    for (const url of open) expect(await keptAlive(agent, url)).toBe('200');
    sim.fault(t.name, 'blind-to-worker');
    try {
      for (const url of open) expect(await keptAlive(agent, url)).not.toBe('200');
      agent.destroy();
      expect(sim.state().nodes[2]!.faults).toEqual(['blind-to-worker']);
      for (const addr of [t.host, t.fallback_host]) {
        expect(await tcpProbe(addr, 8770)).toBe('refused');
        expect(await tcpProbe(addr, 8765)).toBe('refused');
        expect(await fetchError(`http://${addr}:8770/status`)).toBe('ECONNREFUSED');
        expect(await fetchError(`http://${addr}:8765/health`)).toBe('ECONNREFUSED');
        expect(await ssh(sim, addr, 'echo OK')).toEqual({ code: 0, stdout: 'OK\n', stderr: '' });
      }
      // Its neighbours are untouched.
      expect(await statusOf(1)).toMatchObject({ node_id: sim.state().nodes[1]!.name });
    } finally {
      sim.fault(t.name, 'blind-to-worker', { clear: true });
    }
  });

  it('from inside: the leader stays leader and alive everywhere; a peer\'s check reaches its P2P and SSH ports', async () => {
    const leader = sim.state().nodes[0]!;
    expect(sim.state().leader_id).toBe(leader.name);
    sim.fault(leader.name, 'blind-to-worker');
    try {
      expect(await tcpProbe(leader.host, 8770)).toBe('refused');
      for (const i of [1, 2, 3, 4]) {
        expect(await statusOf(i)).toMatchObject({ leader_id: leader.name, alive_peers: 5, total_peers: 5, cluster_health: 'healthy' });
      }
      expect(await peerCheckFrom(1, 0)).toBe('p2p 200 exit 0\nssh exit 1\n');
      const health = await ssh(sim, configured(3).host, `curl -s http://${leader.host}:8765/health`);
      expect(JSON.parse(health.stdout)).toEqual({ status: 'ok', node_id: leader.name });
      // On the node itself too: its own daemon answers on localhost.
      const self = await ssh(sim, leader.host, 'curl -s http://localhost:8770/status');
      expect(JSON.parse(self.stdout)).toMatchObject({ node_id: leader.name, role: 'leader', alive_peers: 5 });
      expect(sim.state()).toMatchObject({ leader_id: leader.name, voters_alive: 3 });
    } finally {
      sim.fault(leader.name, 'blind-to-worker', { clear: true });
    }
  });

  it('a P2P restart works as usual and leaves it blind; only --clear lets the worker in again', async () => {
    const i = 4;
    const t = sim.state().nodes[i]!;
    sim.fault(t.name, 'blind-to-worker');
    expect((await ssh(sim, t.host, cmd('p2p-stop'))).code).toBe(0);
    expect(sim.state().nodes[i]!.daemon).toBe('stopped');
    expect(await peerCheckFrom(1, i)).toBe('p2p 000 exit 7\nssh exit 1\n');
    expect((await ssh(sim, t.host, cmd('p2p-start'))).code).toBe(0);
    // Running and rejoined, as its peers see it.
    await until(async () => (await statusOf(0)).alive_peers === 5, 'restarted daemon rejoined');
    expect(await peerCheckFrom(1, i)).toBe('p2p 200 exit 0\nssh exit 1\n');
    expect(sim.state().nodes[i]!.faults).toEqual(['blind-to-worker']);
    expect(await tcpProbe(t.host, 8770)).toBe('refused');
    expect(await tcpProbe(t.fallback_host, 8765)).toBe('refused');
    const cmds = sim.state().mutations.filter((m) => m.node === t.name).map((m) => m.command);
    expect(cmds).toEqual([`fault ${t.name} blind-to-worker`, expect.stringMatching(/^pkill .*2p_daemon/), expect.stringMatching(/^nohup python -m app\.distributed\.p2p_daemon/)]);

    sim.fault(t.name, 'blind-to-worker', { clear: true });
    expect(sim.state().nodes[i]!.faults).toEqual([]);
    await until(async () => (await fetchError(`http://${t.host}:8770/status`)) === 'answered', 'P2P port open again');
    expect(await statusOf(i)).toMatchObject({ node_id: t.name, alive_peers: 5 });
    expect((await getJson(`http://${t.fallback_host}:8765/health`)).body).toEqual({ status: 'ok', node_id: t.name });
  });
});

describe('the peer check from a healthy node', () => {
  const cases: Array<{ state: string; fault?: Parameters<SimulatorHandle['fault']>[1]; out: string }> = [
    { state: 'healthy', out: 'p2p 200 exit 0\nssh exit 1\n' },
    { state: 'blind-to-worker', fault: 'blind-to-worker', out: 'p2p 200 exit 0\nssh exit 1\n' },
    { state: 'p2p-down', fault: 'p2p-down', out: 'p2p 000 exit 7\nssh exit 1\n' },
    { state: 'host-down', fault: 'host-down', out: 'p2p 000 exit 28\nssh exit 28\n' },
    { state: 'partition', fault: 'partition', out: 'p2p 000 exit 28\nssh exit 28\n' },
    // Over its primary (Tailscale) address, as the check is sent: the connection is reset.
    { state: 'tailscale-down', fault: 'tailscale-down', out: 'p2p 000 exit 56\nssh exit 56\n' },
  ];
  for (const c of cases) {
    it(`${c.state}: ${JSON.stringify(c.out)}`, async () => {
      const t = sim.state().nodes[3]!;
      if (c.fault !== undefined) sim.fault(t.name, c.fault);
      try {
        expect(await peerCheckFrom(1, 3)).toBe(c.out);
      } finally {
        if (c.fault !== undefined) sim.fault(t.name, c.fault, { clear: true });
      }
    });
  }
});
