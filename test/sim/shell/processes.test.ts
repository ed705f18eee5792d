// ps, pkill and pgrep against the daemon and the node's shell processes (§4.1 stop).
import { describe, expect, it } from 'vitest';
import { testShell } from './world.js';

describe('ps / pgrep / pkill', () => {
  it('ps shows the running daemon and the other members of its pipeline', async () => {
    const t = testShell();
    const out = (await t.run('ps aux | grep p2p_daemon')).out;
    expect(out).toContain(`${t.node(1).daemonPid}`);
    expect(out).toContain('python -m app.distributed.p2p_daemon');
    expect(out).toContain('grep p2p_daemon');
  });

  it('pkill -f "[p]2p_daemon" stops the daemon, records the mutation, and matches nothing the second time', async () => {
    const t = testShell();
    const n = t.node(1);
    expect((await t.run('pkill -f "[p]2p_daemon"')).code).toBe(0);
    expect(n.daemon).toBe('stopped');
    expect(t.cluster.mutations.at(-1)).toMatchObject({ node: n.name, source: 'ssh', command: 'pkill -f "[p]2p_daemon"' });
    expect((await t.run('pkill -f "[p]2p_daemon"')).code).toBe(1);
    expect(await t.run('pgrep -f p2p_daemon')).toMatchObject({ code: 1, out: '' });
  });

  it('a shell whose command line matches is signalled: its script stops with 128+15', async () => {
    const t = testShell();
    const r = await t.run("bash -c 'pkill -f p2p_daemon; echo after'");
    expect(r.code).toBe(143);
    expect(r.out).toBe('');
    expect(t.node(1).daemon).toBe('stopped');
  });

  it('p2p-ignores-sigterm: pkill leaves the daemon, pkill -9 kills it', async () => {
    const t = testShell();
    const n = t.node(1);
    t.cluster.fault(n.name, 'p2p-ignores-sigterm');
    await t.run('pkill -f "[p]2p_daemon"');
    expect(n.daemon).toBe('running');
    await t.run('pkill -9 -f "[p]2p_daemon"');
    expect(n.daemon).toBe('stopped');
  });

  it('pgrep -a lists pid and command line; bad arguments exit 2', async () => {
    const t = testShell();
    expect((await t.run('pgrep -af "[p]2p_daemon"')).out).toBe(`${t.node(1).daemonPid} python -m app.distributed.p2p_daemon\n`);
    expect((await t.run('pgrep')).code).toBe(2);
    expect((await t.run('pkill -f "("')).code).toBe(2);
  });
});
