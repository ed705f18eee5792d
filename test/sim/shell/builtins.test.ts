// Shell builtins and the dispatch table, against the model with a fake world (world.ts).
import { describe, expect, it } from 'vitest';
import { COMMANDS, lookupCommand } from '../../../src/sim/shell/commands/index.js';
import { TIME_SCALE, testShell } from './world.js';

describe('dispatch table', () => {
  it('knows every command the docs list and nothing from Object.prototype', async () => {
    for (const name of ['echo', 'cd', 'sudo', 'nohup', 'bash', 'sh', 'ip', 'ss', 'cat', 'grep', 'jq', 'ps', 'pkill', 'pgrep', 'python3', 'systemctl', 'tailscale', 'curl']) {
      expect(lookupCommand(name), name).toBe(COMMANDS[name]);
    }
    const t = testShell();
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'nc']) {
      const r = await t.run(name);
      expect(r.code, name).toBe(127);
      expect(r.err).toBe(`bash: ${name}: command not found\n`);
    }
  });
});

describe('builtins', () => {
  it('echo: -n drops the newline, -e turns escapes into characters', async () => {
    const t = testShell();
    expect((await t.run('echo -n a b')).out).toBe('a b');
    expect((await t.run("echo -e 'x\\ty\\nz'")).out).toBe('x\ty\nz\n');
  });

  it('true, false and : set the status that && / || and $? see', async () => {
    const t = testShell();
    expect((await t.run('false || echo no; true && echo yes; :; echo $?')).out).toBe('no\nyes\n0\n');
    expect((await t.run('false')).code).toBe(1);
  });

  it('exit ends the script with its code (mod 256), or the last status', async () => {
    const t = testShell();
    expect(await t.run('exit 300; echo never')).toMatchObject({ code: 44, out: '' });
    expect((await t.run('false; exit')).code).toBe(1);
  });

  it('export and VAR=value set the environment; $VAR and ${VAR} expand, single quotes do not', async () => {
    const t = testShell();
    expect((await t.run("export A=1; B=2; echo $A ${B} '$A' \"$HOME\"")).out).toBe('1 2 $A /home/ubuntu\n');
  });

  it('cd into the service directory works; an unknown directory is an error and pwd stays', async () => {
    const t = testShell();
    const r = await t.run('cd ~/ringrift/ai-service && pwd; cd /nowhere; pwd');
    expect(r.out).toBe('/home/ubuntu/ringrift/ai-service\n/home/ubuntu/ringrift/ai-service\n');
    expect(r.err).toBe('bash: cd: /nowhere: No such file or directory\n');
  });

  it('sleep lasts N × time-scale seconds; a bad interval is an error', async () => {
    const t = testShell();
    expect((await t.run('sleep 2; sleep 0.5s')).code).toBe(0);
    expect(t.slept).toEqual([2000 * TIME_SCALE, 500 * TIME_SCALE]);
    expect(await t.run('sleep soon')).toMatchObject({ code: 1, err: "sleep: invalid time interval 'soon'\n" });
  });

  it('a syntax error is exit 2 with bash\'s message', async () => {
    const t = testShell();
    const r = await t.run('if true; then echo x; fi');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^bash: /);
  });
});
