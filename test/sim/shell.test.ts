// The simulator's SSH servers and shell: every catalog step, the runbook's heredoc scripts,
// key and host-key checks, and the files the simulator writes. Subnet 11.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/loader.js';
import { SSH_STEPS, sshCommand } from '../../src/domain/ssh-catalog.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { generateKey } from '../../src/sim/ssh-server.js';
import { getJson, ssh, tcpProbe, until } from './helpers.js';

let sim: SimulatorHandle;
const params = { serviceDir: '~/ringrift/ai-service', backbone: 'nebius-backbone-1', p2pPort: 8770 };
const cmd = (step: (typeof SSH_STEPS)[number]) => sshCommand(step, params);

beforeAll(async () => {
  sim = await startSimulator({ nodes: 7, subnet: 11, timeScale: 0.05, seed: 3 });
});
afterAll(async () => {
  await sim?.stop();
});

const n = (i: number) => sim.state().nodes[i]!;

describe('files written by the simulator', () => {
  it('writes a hosts file that loadCluster accepts, with keys, known_hosts and sim.json', () => {
    const c = loadCluster(sim.hostsFile);
    expect(c.hosts).toHaveLength(7);
    expect(c.hosts[0]!.name).toBe('nebius-backbone-1');
    expect(c.hosts.every((h) => /^[A-Za-z0-9._-]+$/.test(h.name))).toBe(true);
    expect(c.hosts[3]).toMatchObject({ host: '127.11.0.4', fallback_host: '127.111.0.4', tailscale_ip: '127.11.0.4' });
    expect(c.hosts[0]!.ports).toEqual({ ssh: 2222, http_api: 8765, p2p: 8770, admin: 8001 });
    expect(c.voter_nodes).toHaveLength(5);
    expect(c.voter_nodes).toContain('nebius-backbone-1');
    expect(c.ssh.key_path).toBe(join(sim.dir, 'id_cluster'));
    expect(c.tailscale).toEqual({ socket: join(sim.dir, 'tailscaled.sock') });
    expect(statSync(c.ssh.key_path).mode & 0o777).toBe(0o600);
    expect(readFileSync(c.ssh.key_path, 'utf8')).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(readFileSync(`${c.ssh.key_path}.pub`, 'utf8')).toMatch(/^ssh-ed25519 /);
    const kh = readFileSync(c.ssh.known_hosts, 'utf8').trim().split('\n');
    expect(kh).toHaveLength(14);
    expect(kh).toContain(kh.find((l) => l.startsWith('[127.111.0.7]:2222 ssh-ed25519 ')));
    const info = JSON.parse(readFileSync(join(sim.dir, 'sim.json'), 'utf8'));
    expect(info).toMatchObject({ controlUrl: sim.controlUrl, pid: process.pid, nodes: 7 });
    expect(readFileSync(join(sim.dir, 'sim.json'), 'utf8')).not.toContain('sim-admin-key');
  });

  it('names and voters are a function of the seed', async () => {
    const { layoutCluster } = await import('../../src/sim/index.js');
    const a = layoutCluster({ nodes: 50, voters: 5, seed: 9, subnet: 10 });
    const b = layoutCluster({ nodes: 50, voters: 5, seed: 9, subnet: 10 });
    expect(a).toEqual(b);
    expect(new Set(a.map((x) => x.name)).size).toBe(50);
    expect(a.filter((x) => x.voter)).toHaveLength(5);
    expect(a.map((x) => x.primary).every((ip) => !/\.(0|255)$/.test(ip))).toBe(true);
  });
});

describe('authentication', () => {
  it('accepts id_cluster and rejects any other key', async () => {
    expect((await ssh(sim, n(1).host, 'echo OK')).stdout).toBe('OK\n');
    const other = generateKey('intruder');
    await expect(ssh(sim, n(1).host, 'echo OK', { privateKey: other.private })).rejects.toThrow(/authentication/i);
  });

  it('rejects another user name', async () => {
    await expect(ssh(sim, n(1).host, 'echo OK', { username: 'root' })).rejects.toThrow(/authentication/i);
  });

  it('presents per-node host keys: a mismatching known_hosts entry is refused', async () => {
    // known_hosts whose entry for node 1 carries node 2's key.
    const lines = readFileSync(join(sim.dir, 'known_hosts'), 'utf8').split('\n');
    const k2 = lines.find((l) => l.startsWith(`[${n(2).host}]:2222 `))!.split(' ').slice(1).join(' ');
    const bad = join(sim.dir, 'known_hosts.bad');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, `[${n(1).host}]:2222 ${k2}\n`);
    await expect(ssh(sim, n(1).host, 'echo OK', { knownHosts: bad })).rejects.toThrow(/verif/i);
  });
});

describe('catalog steps (src/domain/ssh-catalog.ts), each run over real SSH', () => {
  it('echo-ok', async () => {
    expect(await ssh(sim, n(1).host, cmd('echo-ok'))).toEqual({ code: 0, stdout: 'OK\n', stderr: '' });
  });

  it('node-health (§3.5)', async () => {
    const r = await ssh(sim, n(2).host, cmd('node-health'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/=== System Status ===\n .* up \d+ days, .*load average: /);
    expect(r.stdout).toContain(`inet ${n(2).fallback_host}/16`);
    expect(r.stdout).toContain(`inet ${n(2).host}/32 scope global tailscale0`);
    expect(r.stdout).not.toContain('link/ether'); // the grep really filtered
    expect(r.stdout).toMatch(/python -m app\.distributed\.p2p_daemon/);
    expect(r.stdout).toMatch(/grep p2p/);
    expect(r.stdout).toMatch(/=== Recent Logs ===\n.*INFO p2p_daemon: starting P2P daemon/);
    expect(r.stdout).toMatch(/0\.0\.0\.0:8770 .*p2p|0\.0\.0\.0:8770/);
    expect(r.stdout).toMatch(/0\.0\.0\.0:8765/);
    expect(r.stdout).not.toMatch(/:2222/);
  });

  // Without root: the simulated shell models process owners, so the catalog's `-u "$USER"` is
  // checked here too, not only by the real-node suite (which needs a second account).
  it('p2p-stop leaves another account\'s process named like the daemon alone, and succeeds', async () => {
    const node = n(5);
    // A root process whose command line names the daemon (a root `tail -f` of its log, say).
    expect((await ssh(sim, node.host, `nohup sudo bash -c 'sleep 100; echo p2p_daemon-of-root' > /dev/null 2>&1 &`)).code).toBe(0);
    await until(async () => (await ssh(sim, node.host, 'pgrep -u root -f "[p]2p_daemon"')).code === 0 || undefined, "root's process listed");
    expect((await ssh(sim, node.host, 'ps aux')).stdout).toMatch(/^root\s+\d+ .*p2p_daemon-of-root/m);
    // The SSH user cannot signal it (EPERM), so a stop that looked at every account failed.
    const blind = await ssh(sim, node.host, 'pkill -f "[p]2p_daemon-of-root"');
    expect({ code: blind.code, stderr: blind.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/Operation not permitted/) });
    const stop = await ssh(sim, node.host, cmd('p2p-stop'));
    expect({ code: stop.code, stderr: stop.stderr }).toEqual({ code: 0, stderr: '' });
    expect(n(5).daemon).toBe('stopped');
    expect((await ssh(sim, node.host, 'pgrep -u root -f "[p]2p_daemon"')).code, "root's process left alone").toBe(0);
    expect((await ssh(sim, node.host, 'sudo pkill -f "[p]2p_daemon-of-root"')).code).toBe(0);
    expect((await ssh(sim, node.host, cmd('p2p-start'))).code).toBe(0);
  });

  it('p2p-stop, then p2p-start with polling, then p2p-local-status (§4.1)', async () => {
    const node = n(3);
    const stop = await ssh(sim, node.host, cmd('p2p-stop'));
    expect(stop.code).toBe(0);
    expect(n(3).daemon).toBe('stopped');
    expect(await tcpProbe(node.host, 8770)).toBe('refused');
    // Nothing left to stop: the stop verifies the daemon is gone and succeeds.
    expect((await ssh(sim, node.host, cmd('p2p-stop'))).code).toBe(0);
    expect((await ssh(sim, node.host, 'pkill -f p2p_daemon')).code).toBe(1);
    // `-u`: only that user's processes; the session's are $USER's (ubuntu).
    expect((await ssh(sim, node.host, cmd('p2p-start'))).code).toBe(0);
    await until(async () => (await ssh(sim, node.host, 'pgrep -u "$USER" -f "[p]2p_daemon"')).code === 0 || undefined, 'daemon listed for $USER');
    expect((await ssh(sim, node.host, 'pgrep -u root -f "[p]2p_daemon"')).code).toBe(1);
    expect((await ssh(sim, node.host, cmd('p2p-stop'))).code).toBe(0);
    expect(n(3).daemon).toBe('stopped');
    const start = await ssh(sim, node.host, cmd('p2p-start'));
    expect(start.code).toBe(0);
    const body = await until(async () => (await getJson(`http://${node.host}:8770/status`)).body, 'daemon up');
    expect(body).toMatchObject({ node_id: node.name, status: 'running' });
    const local = await ssh(sim, node.host, cmd('p2p-local-status'));
    expect(JSON.parse(local.stdout)).toMatchObject({ node_id: node.name, status: 'running', total_peers: 7 });
    const log = await ssh(sim, node.host, 'tail -5 ~/ringrift/ai-service/logs/p2p.log');
    expect(log.stdout).toMatch(/starting P2P daemon node_id=/);
    expect(log.stdout).toMatch(/joined mesh/);
  });

  it('tailscale-down over the fallback address, then tailscale-up', async () => {
    const node = n(4);
    const down = await ssh(sim, node.fallback_host, cmd('tailscale-down'));
    expect(down.code).toBe(0);
    expect(n(4).faults).toContain('tailscale-down');
    expect(await tcpProbe(node.host, 8770)).toBe('reset');
    const ip = await ssh(sim, node.fallback_host, 'ip addr show | grep -E "inet |tailscale"');
    expect(ip.stdout).not.toContain('tailscale0');
    expect((await ssh(sim, node.fallback_host, cmd('tailscale-status'))).stdout).toBe('Tailscale is stopped.\n');
    const up = await ssh(sim, node.fallback_host, cmd('tailscale-up'));
    expect(up.code).toBe(0);
    expect(n(4).faults).toEqual([]);
    expect((await ssh(sim, node.host, 'echo back')).stdout).toBe('back\n');
  });

  it('tailscale-down over the primary address kills the session; the next command never runs', async () => {
    const node = n(5);
    const r = await ssh(sim, node.host, 'sudo tailscale down\nsudo tailscale up\necho after', { shell: true });
    expect(r.code).toBeNull();
    expect(r.stdout).not.toContain('after');
    expect(n(5).tailscale).toBe('down');
    await ssh(sim, node.fallback_host, cmd('tailscale-up'));
    expect(n(5).tailscale).toBe('up');
  });

  it('tailscale-restart-detached survives its own session (§4.2)', async () => {
    const node = n(6);
    const before = sim.state().mutations.length;
    const r = await ssh(sim, node.host, cmd('tailscale-restart-detached'));
    expect(r.code).toBe(0);
    await until(() => {
      const m = sim.state().mutations.slice(before).filter((x) => x.node === node.name).map((x) => x.command);
      return m.includes('sudo tailscale down') && m.includes('sudo tailscale up');
    }, 'detached down/up');
    expect(n(6).tailscale).toBe('up');
    expect((await ssh(sim, node.host, 'echo alive')).stdout).toBe('alive\n');
  });

  it('tailscale-status lists every node in the real text format', async () => {
    const r = await ssh(sim, n(0).host, cmd('tailscale-status'));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^127\.11\.0\.1\s+nebius-backbone-1\s+\S+@\s+linux\s+-$/);
    expect(lines.slice(1).every((l) => /linux\s+(active|idle|offline)/.test(l))).toBe(true);
  });

  it('networkd-restart needs sudo and succeeds with it', async () => {
    expect((await ssh(sim, n(1).host, cmd('networkd-restart'))).code).toBe(0);
    const plain = await ssh(sim, n(1).host, 'systemctl restart systemd-networkd');
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/Interactive authentication required/);
  });

  it('reach-backbone answers with the backbone status as seen from the node', async () => {
    const r = await ssh(sim, n(2).host, cmd('reach-backbone'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ node_id: 'nebius-backbone-1', status: 'running' });
  });

  it('force-full-sync runs on the coordinator and completes the sync (§4.4)', async () => {
    // The catalog runs it detached (nohup … &): the session returns at once, the sync follows.
    const r = await ssh(sim, n(0).host, cmd('force-full-sync'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    await expect.poll(() => sim.state().sync).toMatchObject({ stalled: false, in_progress: false, progress: 1 });
    const elsewhere = await ssh(sim, n(1).host, cmd('force-full-sync'));
    expect(elsewhere.code).toBe(0);
    await expect
      .poll(async () => (await ssh(sim, n(1).host, 'cat ~/ringrift/ai-service/logs/full-sync.log')).stdout)
      .toMatch(/not the sync coordinator/);
  });

  it('covers every catalog step', () => {
    // Each step above is tested by name; this guards against new steps slipping through.
    expect([...SSH_STEPS].sort()).toEqual(
      [
        'echo-ok',
        'node-health',
        'p2p-stop',
        'p2p-start',
        'p2p-local-status',
        'tailscale-down',
        'tailscale-up',
        'tailscale-restart-detached',
        'tailscale-status',
        'networkd-restart',
        'reach-backbone',
        'force-full-sync',
        // Its outputs per target state: test/sim/blind-to-worker.test.ts.
        'peer-check',
      ].sort(),
    );
  });
});

describe('shell language and the runbook scripts', () => {
  const S35 = `
  echo "=== System Status ==="
  uptime

  echo "=== Network Interfaces ==="
  ip addr show | grep -E "inet |tailscale"

  echo "=== P2P Process ==="
  ps aux | grep p2p

  echo "=== Recent Logs ==="
  tail -20 ~/ringrift/ai-service/logs/p2p.log 2>/dev/null || echo "No log file"

  echo "=== Port Status ==="
  ss -tulpn | grep -E "8765|8770"
`;
  const S41 = `
  cd ~/ringrift/ai-service
  pkill -f "p2p_daemon" || true
  sleep 2
  nohup python -m app.distributed.p2p_daemon > logs/p2p.log 2>&1 &
  sleep 3
  curl -s localhost:8770/status | python3 -c 'import sys,json; print(json.load(sys.stdin).get("status", "unknown"))'
`;

  it('§3.5 heredoc as a shell session and as `bash -s` stdin give the same output', async () => {
    const a = await ssh(sim, n(1).host, S35, { shell: true });
    const b = await ssh(sim, n(1).host, 'bash -s', { stdin: S35 });
    expect(a.code).toBe(0);
    expect(a.stdout.split('\n').filter((l) => l.startsWith('===')))
      .toEqual(['=== System Status ===', '=== Network Interfaces ===', '=== P2P Process ===', '=== Recent Logs ===', '=== Port Status ===']);
    // The uptime line and ps's START column (HH:MM of a shell started now) move with the clock:
    // the minute may tick between the two sessions (it did once, in a full run).
    const strip = (s: string) => s.replace(/^ \d\d:\d\d:\d\d up .*$/m, '').replace(/^(\S+ +\d+ +[\d.]+ +[\d.]+ +\d+ +\d+ \S+ +\S+ +)\d\d:\d\d /gm, '$1HH:MM ');
    expect(strip(b.stdout)).toBe(strip(a.stdout));
  });

  it('§4.1 heredoc restarts the daemon and prints its status after polling sleep', async () => {
    const r = await ssh(sim, n(2).host, S41, { shell: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('running\n');
    const log = await ssh(sim, n(2).host, 'cat ~/ringrift/ai-service/logs/p2p.log');
    expect(log.stdout.split('\n')[0]).toMatch(/starting P2P daemon/); // truncated by `>`
  });

  it('§4.3/§8 one-liner kills its own shell as on Linux: exit 143, the daemon stays stopped', async () => {
    // sshd runs it as `bash -c '<line>'`: pkill -f matches that shell's command line too.
    const r = await ssh(sim, n(3).host, 'pkill -f p2p_daemon; cd ~/ringrift/ai-service && nohup python -m app.distributed.p2p_daemon &');
    expect(r.code).toBe(143);
    expect(n(3).daemon).toBe('stopped');
    // `[p]2p_daemon` does not help while the same line names the daemon to start it: the stop
    // and the start must be separate sessions, as the catalog has them.
    expect((await ssh(sim, n(3).host, 'pkill -f "[p]2p_daemon"; cd ~/ringrift/ai-service && nohup python -m app.distributed.p2p_daemon &')).code).toBe(143);
    expect((await ssh(sim, n(3).host, cmd('p2p-stop'))).code).toBe(0);
    expect((await ssh(sim, n(3).host, cmd('p2p-start'))).code).toBe(0);
    await until(() => n(3).daemon === 'running', 'daemon running');
  });

  it('ps, pgrep and pkill see the command line of every script shell, not of a lone exec\'d command', async () => {
    const ps = await ssh(sim, n(5).host, 'echo start; ps aux | grep marker-xyz');
    expect(ps.stdout).toMatch(/ bash -c echo start; ps aux \| grep marker-xyz\n/);
    // One simple command: bash execs it, so pkill excludes itself and matches no shell.
    expect((await ssh(sim, n(5).host, 'pkill -f marker-xyz')).code).toBe(1);
    expect(await ssh(sim, n(5).host, 'pgrep -f marker-xyz; echo "rc=$?"')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\nrc=0\n$/) });
    expect((await ssh(sim, n(5).host, 'pgrep -f "[m]arker-xyz"; echo "rc=$?"')).stdout).toBe('rc=1\n');
    expect(await ssh(sim, n(5).host, 'sh -c "pkill -f marker-xyz; echo not-reached"; echo "sub=$?"')).toMatchObject({ code: 143, stdout: '' });
    // Only the inner shell's command line holds the expanded pattern: it dies, the outer goes on.
    expect(await ssh(sim, n(5).host, 'P=marker; sh -c "pkill -f $P-abc; echo no"; echo "sub=$?"')).toMatchObject({ code: 0, stdout: 'sub=143\n' });
  });

  it('§3.1 python one-liner parses the status JSON', async () => {
    const r = await ssh(
      sim,
      n(1).host,
      `curl -s http://localhost:8770/status | python3 -c '
import sys, json
d = json.load(sys.stdin)
print(f"Leader: {d.get(\\"leader_id\\", \\"NONE\\")}")
print(f"Alive peers: {d.get(\\"alive_peers\\", 0)}")
print(f"Total peers: {d.get(\\"total_peers\\", 0)}")
print(f"Health: {d.get(\\"cluster_health\\", \\"unknown\\")}")
'`,
    );
    expect(r.stdout).toMatch(/^Leader: nebius-backbone-1\nAlive peers: \d\nTotal peers: 7\nHealth: (healthy|degraded)\n$/);
  });

  it('chains, quoting, variables, redirections and exit codes', async () => {
    const r = await ssh(sim, n(1).host, `false && echo no; false || echo yes; echo "a  b" 'c $HOME' $HOME; echo err 1>&2 2>/dev/null; echo hidden > /dev/null
echo "last=$?"; cd /nonexistent 2>/dev/null || echo nocd; pwd`);
    expect(r.stdout).toBe('yes\na  b c $HOME /home/ubuntu\nlast=0\nnocd\n/home/ubuntu\n');
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(0);
  });

  it('unknown commands exit 127 with bash\'s message', async () => {
    const r = await ssh(sim, n(1).host, 'frobnicate --now');
    expect(r).toEqual({ code: 127, stdout: '', stderr: 'bash: frobnicate: command not found\n' });
    expect((await ssh(sim, n(1).host, 'if true; then echo x; fi')).code).toBe(2);
  });

  it('missing log falls back to "No log file"; sleep is scaled; exit N', async () => {
    const r = await ssh(sim, n(1).host, 'tail -20 /var/log/nope.log 2>/dev/null || echo "No log file"; sleep 1; exit 3');
    expect(r).toEqual({ code: 3, stdout: 'No log file\n', stderr: '' });
  });

  it('tailscale status --json and ip addr show in the real formats', async () => {
    const j = JSON.parse((await ssh(sim, n(1).host, 'tailscale status --json')).stdout);
    expect(j.BackendState).toBe('Running');
    expect(j.Self.HostName).toBe(n(1).name);
    expect(Object.keys(j.Peer)).toHaveLength(6);
    const ip = await ssh(sim, n(1).host, 'ip addr show tailscale0');
    expect(ip.stdout).toMatch(/^3: tailscale0: <POINTOPOINT/);
    const curl = await ssh(sim, n(1).host, 'curl -s --connect-timeout 5 http://127.11.200.200:8770/status; echo "rc=$?"');
    expect(curl.stdout).toBe('rc=28\n');
  });

  it('§8 quick reference: jq over status and tailscale --json', async () => {
    const r = await ssh(sim, n(1).host, 'curl -s http://localhost:8770/status | jq .');
    expect(JSON.parse(r.stdout).node_id).toBe(n(1).name);
    const ips = await ssh(sim, n(0).host, "tailscale status --json | jq -r '.Peer[].TailscaleIPs[0]'");
    expect(ips.stdout.trim().split('\n')).toHaveLength(6);
    expect(ips.stdout).toContain(`${n(6).host}\n`);
  });

  it('records state-changing commands in the mutation log, not read-only ones', async () => {
    const before = sim.state().mutations.length;
    await ssh(sim, n(4).host, 'uptime; ps aux | grep p2p; tailscale status; curl -s localhost:8770/status');
    expect(sim.state().mutations.length).toBe(before);
    await ssh(sim, n(4).host, 'pkill -f "[p]2p_daemon" || true; curl -s -X POST http://nebius-backbone-1:8770/admin/trigger-election');
    const added = sim.state().mutations.slice(before);
    expect(added).toEqual([
      expect.objectContaining({ node: n(4).name, source: 'ssh', command: 'pkill -f "[p]2p_daemon"' }),
      // The election happens on the node the request reached.
      expect.objectContaining({ node: 'nebius-backbone-1', source: 'ssh', command: 'curl -s -X POST http://nebius-backbone-1:8770/admin/trigger-election' }),
    ]);
    expect(added[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    await ssh(sim, n(4).host, cmd('p2p-start'));
    await until(() => n(4).daemon === 'running', 'daemon running');
  });
});
