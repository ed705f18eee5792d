// curl inside a node: options, what reaches the network, and curl's exit codes for each way
// the simulated network answers (docs/reference/simulator.md). The network is a stub here.
import { describe, expect, it } from 'vitest';
import { TIME_SCALE, testShell } from './world.js';

const ok = (status: number, body: string) => ({ kind: 'ok' as const, response: { status, body, contentType: 'application/json' } });

describe('curl', () => {
  it('sends method, host, port, path and headers; prints the body', async () => {
    const t = testShell();
    t.reach = ok(200, '{"ok":1}');
    const r = await t.run("curl -s -X POST -H 'X-Test: 1' http://nebius-backbone-1:8770/admin/trigger-election");
    expect(r).toMatchObject({ code: 0, out: '{"ok":1}' });
    expect(t.sent).toEqual([
      {
        from: t.node(1).name,
        host: 'nebius-backbone-1',
        port: 8770,
        method: 'POST',
        path: '/admin/trigger-election',
        headers: { 'x-test': '1' },
        command: "curl -s -X POST -H 'X-Test: 1' http://nebius-backbone-1:8770/admin/trigger-election",
      },
    ]);
    await t.run('curl -d x localhost');
    expect(t.sent[1]).toMatchObject({ method: 'POST', host: 'localhost', port: 80, path: '/' });
  });

  it('-H @- reads headers from the session\'s stdin, only when asked (the admin key stays off the command line)', async () => {
    const t = testShell();
    let asked = 0;
    const stdin = (): Promise<string> => {
      asked++;
      return Promise.resolve('X-Admin-Key: secret\n');
    };
    await t.run('curl -s -H @- http://localhost:8001/admin/sync/status', { stdin });
    expect(asked).toBe(1);
    expect(t.sent[0]!.headers).toEqual({ 'x-admin-key': 'secret' });
    expect(t.sent[0]!.command).not.toContain('secret');
    await t.run('echo no-stdin-read', { stdin });
    expect(asked).toBe(1);
  });

  it('-f fails on HTTP errors with 22; -w prints the status; -o writes a node file', async () => {
    const t = testShell();
    t.reach = ok(401, '{"error":"key"}');
    expect(await t.run('curl -sf http://localhost:8001/x')).toMatchObject({ code: 22, err: '' });
    expect((await t.run('curl -sSf http://localhost:8001/x')).err).toBe('curl: (22) The requested URL returned error: 401\n');
    expect((await t.run("curl -s -o /dev/null -w '%{http_code}' http://localhost:8001/x")).out).toBe('401');
    await t.run('curl -s -o /tmp/body http://localhost:8001/x');
    expect((await t.run('cat /tmp/body')).out).toBe('{"error":"key"}');
  });

  it('maps the network\'s answers to curl exit codes: 6, 7, 56, and 28 after the scaled connect timeout', async () => {
    const t = testShell();
    const code = async (reach: typeof t.reach, cmd = 'curl -s http://x:8770/status'): Promise<number> => {
      t.reach = reach;
      return (await t.run(cmd)).code;
    };
    expect(await code({ kind: 'unresolved' })).toBe(6);
    expect(await code({ kind: 'refused' })).toBe(7);
    expect(await code({ kind: 'reset' })).toBe(56);
    expect(await code({ kind: 'timeout' }, 'curl -s --connect-timeout 4 -m 10 http://x:8770/status')).toBe(28);
    expect(t.slept).toEqual([4000 * TIME_SCALE]);
    expect(await code({ kind: 'timeout' }, 'curl -s -m 3 http://x:8770/status')).toBe(28);
    expect(t.slept.at(-1)).toBe(3000 * TIME_SCALE);
  });

  it('-w prints %{http_code} even when no HTTP answer came (000); `$?` after `;` is curl\'s status', async () => {
    const t = testShell();
    const line = 'curl -s -o /dev/null --connect-timeout 3 -m 4 -w "p2p %{http_code} " http://x:8770/status; echo "exit $?"';
    const out = async (reach: typeof t.reach): Promise<string> => {
      t.reach = reach;
      const r = await t.run(line);
      expect(r).toMatchObject({ code: 0, err: '' });
      return r.out;
    };
    expect(await out(ok(200, '{"node_id":"x"}'))).toBe('p2p 200 exit 0\n');
    expect(await out({ kind: 'refused' })).toBe('p2p 000 exit 7\n');
    expect(await out({ kind: 'reset' })).toBe('p2p 000 exit 56\n');
    expect(await out({ kind: 'unresolved' })).toBe('p2p 000 exit 6\n');
    expect(await out({ kind: 'not-http' })).toBe('p2p 000 exit 1\n');
    expect(await out({ kind: 'timeout' })).toBe('p2p 000 exit 28\n');
    expect(t.slept).toEqual([3000 * TIME_SCALE]);
    // -f: the HTTP status is still written out.
    t.reach = ok(503, '{}');
    expect((await t.run("curl -sf -o /dev/null -w '%{http_code}' http://x:8770/status; echo \" $?\"")).out).toBe('503 22\n');
  });

  it('a server that speaks first in another protocol (an sshd): connected, then exit 1 as curl 7.66+ does', async () => {
    const t = testShell();
    t.reach = { kind: 'not-http' };
    expect(await t.run('curl -sS http://x:2222/')).toMatchObject({ code: 1, out: '', err: 'curl: (1) Received HTTP/0.9 when not allowed\n' });
    // 2> redirections: the message goes where they say, the status stays.
    expect(await t.run('curl -sS http://x:2222/ 2>/dev/null; echo "ssh exit $?"')).toMatchObject({ out: 'ssh exit 1\n', err: '' });
    expect(await t.run('curl -sS http://x:2222/ 2>&1; echo "ssh exit $?"')).toMatchObject({
      out: 'curl: (1) Received HTTP/0.9 when not allowed\nssh exit 1\n',
      err: '',
    });
  });

  it('bad usage: no URL, an unknown short option, an unreadable header file', async () => {
    const t = testShell();
    expect((await t.run('curl -s')).code).toBe(2);
    expect((await t.run('curl -Z http://x')).err).toBe('curl: option -Z: is unknown\n');
    expect((await t.run('curl -H @/tmp/none http://x')).code).toBe(26);
    expect(t.sent).toEqual([]);
  });
});
