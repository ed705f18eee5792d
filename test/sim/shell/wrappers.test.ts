// nohup, sudo and child shells (bash/sh -c, -s), against the model with a fake world.
import { describe, expect, it } from 'vitest';
import { testShell } from './world.js';

describe('sudo and nohup', () => {
  it('sudo runs the rest of the line as root: systemctl restart needs it', async () => {
    const t = testShell();
    expect((await t.run('systemctl restart tailscaled')).code).toBe(1);
    expect((await t.run('sudo systemctl restart tailscaled')).code).toBe(0);
    expect(await t.run('sudo')).toMatchObject({ code: 1, err: 'usage: sudo command\n' });
  });

  it('nohup runs the rest of the line; without one it exits 125', async () => {
    const t = testShell();
    expect((await t.run('nohup echo hi')).out).toBe('hi\n');
    expect(await t.run('nohup')).toMatchObject({ code: 125, err: 'nohup: missing operand\n' });
  });
});

describe('bash / sh', () => {
  it('bash -c runs a child shell whose variables do not leak back', async () => {
    const t = testShell();
    expect((await t.run("A=outer; bash -c 'A=inner; echo $A'; echo $A")).out).toBe('inner\nouter\n');
  });

  it('sh -s and a bare sh read their script from stdin', async () => {
    const t = testShell();
    expect((await t.run('sh -s', { stdin: 'echo from-stdin\n' })).out).toBe('from-stdin\n');
    expect((await t.run('echo echo piped | sh')).out).toBe('piped\n');
  });

  it('a child shell shows in ps with its command line while it runs', async () => {
    const t = testShell();
    const r = await t.run("bash -c 'ps aux | grep [b]ash'");
    expect(r.out).toContain('bash -c ps aux | grep [b]ash');
    expect([...t.shell.processes.on(t.node(1))]).toEqual([]);
  });

  it('bash with a file argument is not simulated: exit 127', async () => {
    const t = testShell();
    expect(await t.run('bash script.sh')).toMatchObject({ code: 127, err: 'bash: script.sh: No such file or directory\n' });
  });
});
