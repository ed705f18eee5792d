// tailscale status / ip / up / down (§4.2), against the model with a fake world.
import { describe, expect, it } from 'vitest';
import { testShell } from './world.js';

describe('tailscale', () => {
  it('status (text and --json) and ip; stopped Tailscale says so and exits 1', async () => {
    const t = testShell();
    const n = t.node(1);
    expect((await t.run('tailscale status')).out).toContain(n.name);
    expect(JSON.parse((await t.run('tailscale status --json')).out)).toEqual({ Self: { HostName: n.name } });
    expect((await t.run('tailscale ip')).out).toBe(`${n.host}\n`);
    t.cluster.fault(n.name, 'tailscale-down');
    expect(await t.run('tailscale status')).toMatchObject({ code: 1, out: 'Tailscale is stopped.\n' });
    expect(await t.run('tailscale ip')).toMatchObject({ code: 1, err: 'Tailscale is stopped.\n' });
    expect((await t.run('tailscale ping x')).code).toBe(1);
  });

  it('up and down need sudo', async () => {
    const t = testShell();
    const r = await t.run('tailscale down');
    expect(r.code).toBe(1);
    expect(r.err).toContain("Use 'sudo tailscale down'");
    expect(t.node(1).tailscaleUp).toBe(true);
  });

  it('down over the primary kills the session right after the command and drops the node\'s primary sessions', async () => {
    const t = testShell();
    const n = t.node(1);
    const r = await t.run('sudo tailscale down; echo still-here', { via: 'primary' });
    expect(r.out).toBe('');
    expect(r.session.killed).toBe(true);
    expect(n.tailscaleUp).toBe(false);
    expect(t.dropped).toEqual([n.name]);
    const up = await t.run('sudo tailscale up && echo up', { via: 'fallback' });
    expect(up.out).toBe('up\n');
    expect(n.tailscaleUp).toBe(true);
  });

  it('down + up in one detached command survives the session (§4.2 over the primary)', async () => {
    const t = testShell();
    const n = t.node(1);
    const r = await t.run("nohup sh -c 'sudo tailscale down; sudo tailscale up'", { via: 'primary' });
    expect(r.session.killed).toBe(false);
    expect(n.tailscaleUp).toBe(true);
  });
});
