// systemctl restart of systemd-networkd and tailscaled (§4.5, §4.2).
import { describe, expect, it } from 'vitest';
import { testShell } from './world.js';

describe('systemctl', () => {
  it('restart needs root, a known unit and a known verb', async () => {
    const t = testShell();
    expect((await t.run('systemctl restart systemd-networkd')).err).toContain('Interactive authentication required');
    expect((await t.run('sudo systemctl restart nginx')).code).toBe(5);
    expect((await t.run('sudo systemctl frobnicate tailscaled')).code).toBe(1);
    expect((await t.run('systemctl is-active tailscaled')).out).toBe('active\n');
  });

  it('§4.5 partition: networkd restart, then tailscaled restart (down + up), each moves the recovery one stage', async () => {
    const t = testShell();
    const n = t.node(1);
    t.cluster.fault(n.name, 'partition');
    expect(n.partitionStage).toBe(0);
    await t.run('sudo systemctl restart tailscaled');
    expect(n.partitionStage).toBe(0);
    await t.run('sudo systemctl restart systemd-networkd.service');
    expect(n.partitionStage).toBe(1);
    await t.run('sudo systemctl restart tailscaled');
    expect(n.partitionStage).toBe(2);
    expect(n.tailscaleUp).toBe(true);
    expect(t.cluster.mutations.filter((m) => m.source === 'ssh').map((m) => m.command)).toEqual([
      'sudo systemctl restart tailscaled',
      'sudo systemctl restart systemd-networkd.service',
      'sudo systemctl restart tailscaled',
    ]);
  });
});
