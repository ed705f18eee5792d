// The coordinator's admin API as the runbook reaches it (§4.4: `curl … localhost:8001` on the
// coordinator), the key on curl's stdin (`-H @-`), and the admin-down fault. Subnet 62.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCurlCommand } from '../../src/domain/admin-curl.js';
import { type SimulatorHandle, SimUsageError, startSimulator } from '../../src/sim/index.js';
import { getJson, ssh, tcpProbe } from './helpers.js';
import { subnet } from '../helpers/subnets.js';

let sim: SimulatorHandle;
const KEY = 'sim-admin-api-test-key-3d1f';
const header = `X-Admin-Key: ${KEY}\n`;

beforeAll(async () => {
  sim = await startSimulator({ nodes: 4, voters: 3, subnet: subnet('sim/admin-api'), timeScale: 0.05, seed: 3, adminKey: KEY });
});
afterAll(async () => {
  await sim?.stop();
});

const coordinator = () => sim.state().nodes.find((n) => n.name === sim.state().coordinator)!;

describe('admin API over SSH on the coordinator (curl -H @-)', () => {
  it('curl reads the X-Admin-Key header from stdin, over a real ssh2 exec channel', async () => {
    const r = await ssh(sim, coordinator().host, 'curl -s -H @- http://localhost:8001/admin/sync/status', { stdin: header });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ stalled: false, progress: 1 });
    const without = await ssh(sim, coordinator().host, 'curl -s -H @- http://localhost:8001/admin/sync/status', { stdin: '' });
    expect(JSON.parse(without.stdout)).toEqual({ error: 'invalid or missing X-Admin-Key' });
  });

  it('the command our activities send works through the system OpenSSH client, and the log holds no key', async () => {
    const command = adminCurlCommand({ method: 'POST', pathAndQuery: '/admin/sync/trigger?categories=games', port: 8001, connectTimeoutS: 3, maxTimeS: 3 });
    // Asynchronously: the simulator serves from this very process.
    const child = spawn(
      '/usr/bin/ssh',
      ['-i', join(sim.dir, 'id_cluster'), '-o', `UserKnownHostsFile=${join(sim.dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes',
        '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-p', '2222', `ubuntu@${coordinator().host}`, command],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(header);
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const r = { status, stdout, stderr };
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\n__runbook_http_status=202$/);
    const logged = sim.state().mutations.filter((m) => m.command.includes('/admin/sync/trigger'));
    expect(logged.at(-1)).toMatchObject({ source: 'ssh', node: coordinator().name });
    expect(logged.at(-1)!.command).toContain('-H @-');
    expect(JSON.stringify(sim.state())).not.toContain(KEY);
  });
});

describe('sim fault cluster admin-down', () => {
  it('refuses connections to :8001 from outside and from the coordinator itself, until --clear', async () => {
    const c = coordinator();
    expect(await tcpProbe(c.host, 8001)).toBe('silent'); // listening: HTTP waits for a request
    sim.fault('cluster', 'admin-down');
    expect(sim.state().cluster_faults).toContain('admin-down');
    expect(await tcpProbe(c.host, 8001)).toBe('refused');
    expect(await tcpProbe(c.fallback_host, 8001)).toBe('refused');
    const r = await ssh(sim, c.host, 'curl -s -S -H @- http://localhost:8001/admin/sync/status', { stdin: header });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("Couldn't connect to server");
    // The sync the admin API drives is not down with it.
    expect(sim.state().sync.stalled).toBe(false);
    sim.fault('cluster', 'admin-down', { clear: true });
    expect(sim.state().cluster_faults).not.toContain('admin-down');
    const back = await getJson(`http://${c.host}:8001/admin/sync/status`, { headers: { 'X-Admin-Key': KEY } });
    expect(back.status).toBe(200);
  });

  it('is a cluster fault: a node target is a usage error', () => {
    expect(() => sim.fault(coordinator().name, 'admin-down')).toThrow(SimUsageError);
  });
});
