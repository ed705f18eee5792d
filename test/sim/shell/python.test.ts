// python -m p2p_daemon (§4.1 start) and the runbook's python -c snippets (§3.1, §4.4, §4.6).
import { describe, expect, it } from 'vitest';
import { testShell } from './world.js';

const START = 'nohup python -m app.distributed.p2p_daemon > logs/p2p.log 2>&1';

describe('python', () => {
  it('the daemon starts only from the service directory, logs to the redirected file, and is "starting" at first', async () => {
    const t = testShell();
    const n = t.node(1);
    await t.run('pkill -f "[p]2p_daemon"');
    const wrongDir = await t.run('python -m app.distributed.p2p_daemon');
    expect(wrongDir.code).toBe(1);
    expect(wrongDir.err).toContain("No module named 'app'");
    expect(n.daemon).toBe('stopped');
    const r = await t.run(`cd ~/ringrift/ai-service && ${START}`);
    expect(r.code).toBe(0);
    expect(n.daemon).toBe('starting');
    expect((await t.run('cat ~/ringrift/ai-service/logs/p2p.log')).out).toContain(`starting P2P daemon node_id=${n.name}`);
    expect(t.cluster.mutations.at(-1)).toMatchObject({ node: n.name, command: START });
    t.cluster.stop();
  });

  it('a second start while one runs logs "Address already in use" and changes nothing', async () => {
    const t = testShell();
    const pid = t.node(1).daemonPid;
    await t.run(`cd ~/ringrift/ai-service && ${START}`);
    expect(t.node(1)).toMatchObject({ daemon: 'running', daemonPid: pid });
    expect((await t.run('cat ~/ringrift/ai-service/logs/p2p.log')).out).toContain('Address already in use');
  });

  it('an unknown module is an error', async () => {
    const t = testShell();
    expect(await t.run('python3 -m app.other')).toMatchObject({ code: 1, err: '/usr/bin/python: No module named app.other\n' });
  });

  it('force_full_sync runs on the coordinator only and clears a stall (§4.4)', async () => {
    const t = testShell();
    t.cluster.fault('cluster', 'sync-stalled');
    const snippet = `python3 -c 'from app.coordination.auto_sync_daemon import AutoSyncDaemon; AutoSyncDaemon().force_full_sync()'`;
    const worker = await t.run(snippet, { node: 1 });
    expect(worker.code).toBe(1);
    expect(worker.err).toContain('this node is not the sync coordinator');
    expect(t.cluster.sync.stalled).toBe(true);
    expect((await t.run(snippet, { node: 0 })).code).toBe(0);
    expect(t.cluster.sync.stalled).toBe(false);
  });

  it('the JSON one-liners read stdin: .get() with defaults, f-strings, Python literals', async () => {
    const t = testShell();
    const json = `'{"leader_id": null, "alive_peers": 7, "ok": true}'`;
    const code = ['import sys, json', 'd = json.load(sys.stdin)', 'print(d.get("leader_id"))', 'print(f"peers={d.get(\\"alive_peers\\", 0)} ok={d.get(\\"ok\\")}")', 'print(d.get("role", "none"))'];
    const r = await t.run(`echo ${json} | python3 -c '${code.join('\n')}'`);
    expect(r.out).toBe('None\npeers=7 ok=True\nnone\n');
    const bad = await t.run(`echo nope | python3 -c 'import sys, json; print(json.load(sys.stdin))'`);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('JSONDecodeError');
  });

  it('the §4.6 config check lists hosts; other imports fail', async () => {
    const t = testShell();
    expect((await t.run(`python3 -c 'from app.config import load_distributed_config; print(len(load_distributed_config()))'`)).out).toMatch(/^Loaded 4 hosts\n/);
    expect((await t.run(`python3 -c 'import requests'`)).err).toContain("No module named 'requests'");
  });
});
