// cat/head/tail and redirections into the node's files, against the model with a fake world.
import { describe, expect, it } from 'vitest';
import { testShell } from './world.js';

const LOG = '/home/ubuntu/ringrift/ai-service/logs/p2p.log';

describe('files', () => {
  it('the p2p log exists from the start; tail -n and head pick lines (§4.1)', async () => {
    const t = testShell();
    const all = (await t.run(`cat ${LOG}`)).out.split('\n').filter((l) => l !== '');
    expect(all).toHaveLength(3);
    expect(all[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO p2p_daemon: starting P2P daemon/);
    expect((await t.run('cd ~/ringrift/ai-service && tail -n 1 logs/p2p.log')).out).toBe(all[2] + '\n');
    expect((await t.run(`head -2 ${LOG}`)).out).toBe(all.slice(0, 2).join('\n') + '\n');
  });

  it('> truncates, >> appends, 2> takes stderr, < feeds stdin', async () => {
    const t = testShell();
    const r = await t.run('echo one > /tmp/f; echo two >> /tmp/f; cat /nope 2> /tmp/e; cat < /tmp/f; cat /tmp/e');
    expect(r.out).toBe("one\ntwo\ncat: cannot open '/nope' for reading: No such file or directory\n");
    expect((await t.run('echo three > /tmp/f; cat /tmp/f')).out).toBe('three\n');
  });

  it('2>&1 and &> send stderr where stdout goes; /dev/null swallows', async () => {
    const t = testShell();
    expect((await t.run('cat /nope 2>&1 | grep -c cannot')).out).toBe('1\n');
    expect((await t.run('cat /nope &> /dev/null')).err).toBe('');
  });

  it('missing files and directories are errors with the tools\' messages', async () => {
    const t = testShell();
    expect(await t.run('cat /tmp')).toMatchObject({ code: 1, err: 'cat: /tmp: Is a directory\n' });
    expect(await t.run('echo x > /no/such/dir/f')).toMatchObject({ code: 1, err: 'bash: /no/such/dir/f: No such file or directory\n' });
    expect(await t.run('cat < /tmp/none')).toMatchObject({ code: 1, err: 'bash: /tmp/none: No such file or directory\n' });
    expect((await t.run(`tail -f ${LOG}`)).code).toBe(1);
  });
});
