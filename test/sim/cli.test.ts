// `runbook sim start|fault|state` as child processes, and the seed's own commands run with the
// system's ssh and curl against the written files. Subnet 14.
// `sim start` runs in its own process group (it has a child under tsx: esbuild's service), ended
// whole after the file whatever happened. The short `spawnSync` commands stay plain: the test
// cannot end while they run, and each has a timeout.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroupProcess, spawnInGroup, tail } from '../helpers/process-group.js';
import { tcpProbe } from './helpers.js';

const BIN = join(process.cwd(), 'bin/runbook.js');
const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
let sim: GroupProcess;
let child: ChildProcess;
let childOut = '';
let exited: Promise<number | null>;

function runbook(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const state = () => JSON.parse(runbook('sim', 'state', '--json', '--dir', dir).stdout);

beforeAll(async () => {
  sim = spawnInGroup(process.execPath, [BIN, 'sim', 'start', '--nodes', '6', '--subnet', '14', '--time-scale', '0.05', '--out', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  ({ child, exited } = sim);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      childOut += d.toString();
      if (childOut.includes('ready\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`sim start exited ${code} before printing "ready"; its output:\n${tail(sim.output())}`)));
  });
});

afterAll(async () => {
  // SIGTERM is how the last test stops it; here it ends whatever is left of the group.
  await sim?.stop({ signal: 'SIGTERM' });
});

describe('runbook sim CLI', () => {
  it('start prints exactly "ready" and writes the files', () => {
    expect(childOut).toBe('ready\n');
    for (const f of ['distributed_hosts.yaml', 'id_cluster', 'id_cluster.pub', 'known_hosts', 'sim.json', 'tailscaled.sock']) {
      expect(existsSync(join(dir, f))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, 'sim.json'), 'utf8'))).toMatchObject({ pid: child.pid, nodes: 6 });
  });

  it('state --json has the contract shape', () => {
    const s = state();
    expect(s).toMatchObject({ leader_id: 'nebius-backbone-1', min_voters_alive: 5, quorum_lost: false, cluster_faults: [], mutations: [] });
    expect(s.nodes).toHaveLength(6);
    expect(s.nodes[0]).toEqual(
      expect.objectContaining({ name: 'nebius-backbone-1', host: '127.14.0.1', fallback_host: '127.114.0.1', faults: [], role: 'voter', daemon: 'running' }),
    );
    expect(s.sync).toMatchObject({ stalled: false, in_progress: false, progress: 1 });
  });

  it('fault injects and clears; unknown fault or node exits 2 with a clear message', () => {
    const node = state().nodes[5].name;
    expect(runbook('sim', 'fault', node, 'p2p-down', '--dir', dir)).toMatchObject({ code: 0, stdout: `injected p2p-down on ${node}\n` });
    expect(state().nodes[5]).toMatchObject({ faults: ['p2p-down'], daemon: 'stopped' });
    const bad = runbook('sim', 'fault', node, 'meteor-strike', '--dir', dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown fault "meteor-strike".*p2p-down/);
    const badNode = runbook('sim', 'fault', 'no-such-node', 'p2p-down', '--dir', dir);
    expect(badNode.code).toBe(2);
    expect(badNode.stderr).toMatch(/unknown node "no-such-node"/);
    expect(runbook('sim', 'fault', 'cluster', 'p2p-down', '--dir', dir).code).toBe(2);
    expect(runbook('sim', 'state', '--dir', join(dir, 'nope')).code).toBe(2);
    const human = runbook('sim', 'state', '--dir', dir);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^leader: +nebius-backbone-1/m);
    expect(human.stdout).toMatch(new RegExp(`${node} .*stopped +p2p-down`));
    expect(human.stdout).toMatch(/control +\S+: fault .* p2p-down/);
  });

  it('the seed\'s own commands work with the system ssh and curl', () => {
    const s = state();
    const ssh = spawnSync(
      '/usr/bin/ssh',
      ['-i', join(dir, 'id_cluster'), '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes',
        '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-p', '2222', `ubuntu@${s.nodes[1].host}`, 'echo OK'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(ssh.stdout).toBe('OK\n');
    expect(ssh.status).toBe(0);
    // §3.2 batch test, verbatim but for the file path; the p2p-down node fails on both addresses.
    const loop = spawnSync(
      'bash',
      ['-c', `for host in $(cat ${dir}/distributed_hosts.yaml | grep 'host:' | awk '{print $2}'); do
  echo -n "$host: "
  curl -s --connect-timeout 3 http://$host:8770/status > /dev/null && echo "OK" || echo "FAIL"
done`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const lines = loop.stdout.trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines.filter((l) => l.endsWith(': FAIL'))).toEqual([`${s.nodes[5].host}: FAIL`, `${s.nodes[5].fallback_host}: FAIL`]);
    const health = spawnSync('curl', ['-s', '--connect-timeout', '5', `http://${s.nodes[2].host}:8765/health`], { encoding: 'utf8' });
    expect(JSON.parse(health.stdout)).toEqual({ status: 'ok', node_id: s.nodes[2].name });
    const ts = spawnSync('curl', ['-s', '--unix-socket', join(dir, 'tailscaled.sock'), 'http://local-tailscaled.sock/localapi/v0/status'], { encoding: 'utf8' });
    const body = JSON.parse(ts.stdout);
    expect(body).toMatchObject({ BackendState: 'Running', Self: { HostName: 'nebius-backbone-1' }, TailscaleIPs: ['127.14.0.1'] });
    expect(Object.values(body.Peer as Record<string, { HostName: string }>).map((p) => p.HostName)).toHaveLength(5);
    expect(Object.keys(body.Peer).every((k) => /^nodekey:[0-9a-f]{64}$/.test(k))).toBe(true);
    expect(body.MagicDNSSuffix).toMatch(/^tailnet-[0-9a-f]{4}\.ts\.net$/);
  });

  it('--help works on every subcommand', () => {
    for (const sub of ['start', 'fault', 'state']) {
      const r = runbook('sim', sub, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: runbook sim ${sub}`));
    }
    expect(runbook('sim', 'fault', '--help').stdout).toMatch(/election-stuck/);
  });

  it('SIGTERM stops every server, removes the socket and exits 0', async () => {
    const s = state();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'tailscaled.sock'))).toBe(false);
    expect(existsSync(join(dir, 'sim.json'))).toBe(false);
    expect(await tcpProbe(s.nodes[0].host, 2222)).toBe('refused');
    expect(await tcpProbe(s.nodes[0].host, 8001)).toBe('refused');
    expect(await tcpProbe(s.nodes[3].fallback_host, 8770)).toBe('refused');
  });

  it('start rejects bad options with exit 2', () => {
    expect(runbook('sim', 'start', '--nodes', 'many', '--out', dir).code).toBe(2);
    expect(runbook('sim', 'start', '--nodes', '3', '--voters', '4', '--subnet', '14', '--out', dir).code).toBe(2);
  });
});
