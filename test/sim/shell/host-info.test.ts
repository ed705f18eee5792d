// hostname, whoami, uptime, ip addr and ss, against the model with a fake world.
import { describe, expect, it } from 'vitest';
import { testShell } from './world.js';

describe('host info', () => {
  it('hostname, whoami and uptime describe the node', async () => {
    const t = testShell();
    expect((await t.run('hostname; whoami', { node: 2 })).out).toBe(`${t.node(2).name}\nubuntu\n`);
    expect((await t.run('uptime')).out).toMatch(/up \d+ days, .*load average: /);
  });

  it('ip addr shows tailscale0 with the Tailscale address only while Tailscale is up (§4.2)', async () => {
    const t = testShell();
    const n = t.node(1);
    expect((await t.run('ip addr show tailscale0')).out).toContain(`inet ${n.host}/32 scope global tailscale0`);
    t.cluster.fault(n.name, 'tailscale-down');
    const r = await t.run('ip addr show tailscale0');
    expect(r).toMatchObject({ code: 1, err: 'Device "tailscale0" does not exist.\n' });
    expect((await t.run('ip a')).out).toContain(`inet ${n.fallback}/16`);
    expect((await t.run('ip route')).code).toBe(255);
  });

  it('ss lists :8770 only while the daemon runs, and :8001 only on the coordinator', async () => {
    const t = testShell();
    const worker = t.node(1);
    expect((await t.run('ss -tulpn', { node: 1 })).out).toMatch(/:8770 .*pid=\d+/);
    expect((await t.run('ss -tulpn', { node: 1 })).out).not.toContain(':8001');
    expect((await t.run('netstat -tulpn', { node: 0 })).out).toContain(':8001');
    t.cluster.fault(worker.name, 'p2p-down');
    expect((await t.run('ss -tulpn', { node: 1 })).out).not.toContain(':8770');
  });
});
