// grep and jq in pipelines, against the model with a fake world.
import { describe, expect, it } from 'vitest';
import { testShell } from './world.js';

describe('grep', () => {
  it('basic regexps take \\| as alternation; -E takes |; -v, -c, -i, -F', async () => {
    const t = testShell();
    const lines = "echo -e 'alpha\\nbeta\\nGamma'";
    expect((await t.run(`${lines} | grep 'alpha\\|beta'`)).out).toBe('alpha\nbeta\n');
    expect((await t.run(`${lines} | grep -E 'alpha|Gamma'`)).out).toBe('alpha\nGamma\n');
    expect((await t.run(`${lines} | grep -vc a`)).out).toBe('0\n');
    expect((await t.run(`${lines} | grep -ic gamma`)).out).toBe('1\n');
    expect((await t.run(`echo 'a.c' | grep -F 'a.c'`)).code).toBe(0);
    expect((await t.run(`echo abc | grep -F 'a.c'`)).code).toBe(1);
  });

  it('-q prints nothing and says by its status; no pattern is exit 2', async () => {
    const t = testShell();
    expect(await t.run('echo tailscale0 | grep -q tailscale0')).toMatchObject({ code: 0, out: '' });
    expect((await t.run('echo x | grep -q y')).code).toBe(1);
    expect((await t.run('grep')).code).toBe(2);
  });
});

describe('jq', () => {
  it('path filters, iteration, indexes and -r', async () => {
    const t = testShell();
    const doc = `'{"a":{"b":[1,2]},"s":"x","m":{"k":"v"}}'`;
    expect((await t.run(`echo ${doc} | jq -c .a.b`)).out).toBe('[1,2]\n');
    expect((await t.run(`echo ${doc} | jq '.a.b[]'`)).out).toBe('1\n2\n');
    expect((await t.run(`echo ${doc} | jq '.a.b[-1]'`)).out).toBe('2\n');
    expect((await t.run(`echo ${doc} | jq -r .s`)).out).toBe('x\n');
    expect((await t.run(`echo ${doc} | jq '.["m"].k'`)).out).toBe('"v"\n');
    expect((await t.run(`echo ${doc} | jq .missing`)).out).toBe('null\n');
  });

  it('unsupported filters and bad JSON are errors', async () => {
    const t = testShell();
    expect((await t.run(`echo '{}' | jq 'map(.a)'`)).code).toBe(3);
    expect((await t.run(`echo nope | jq .`)).code).toBe(2);
    expect((await t.run(`echo 1 | jq '.[]'`)).code).toBe(5);
  });
});
