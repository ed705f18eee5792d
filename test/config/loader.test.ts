// Config loader: the seed's files load unchanged; every rejection names file, path and line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadCluster, loadPolicy } from '../../src/config/loader.js';

const dir = mkdtempSync(join(tmpdir(), 'runbook-config-'));
let n = 0;
function file(text: string, name = `hosts-${++n}.yaml`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('distributed_hosts.yaml', () => {
  it('loads the seed runbook snippets unchanged (§5.4 hosts, §9 voter_nodes)', () => {
    const seed = file(
      [
        'hosts:',
        '  - name: nebius-h100',
        '    host: 89.169.111.139 # Primary (Tailscale)',
        '    fallback_host: 10.0.0.15 # Fallback (internal)',
        '    port: 22',
        'voter_nodes:',
        '  - nebius-h100',
      ].join('\n'),
    );
    const c = loadCluster(seed);
    expect(c.hosts).toEqual([
      expect.objectContaining({ name: 'nebius-h100', host: '89.169.111.139', fallback_host: '10.0.0.15', provider: 'nebius' }),
    ]);
    expect(c.hosts[0]!.ports).toEqual({ ssh: 22, http_api: 8765, p2p: 8770, admin: 8001 });
    expect(c.voter_nodes).toEqual(['nebius-h100']);
    expect(c.backbone).toBe('nebius-h100');
    expect(c.ssh.user).toBe('ubuntu');
  });

  it('loads the shipped config with the seed voters', () => {
    const c = loadCluster('config/distributed_hosts.yaml');
    expect(c.voter_nodes).toEqual(['nebius-backbone-1', 'runpod-h100', 'runpod-a100-1', 'runpod-a100-2', 'vultr-a100-20gb']);
    expect(c.hosts.find((h) => h.name === 'vultr-a100-20gb')?.provider).toBe('vultr');
    expect(c.hosts.find((h) => h.name === 'runpod-h100')?.provider).toBe('runpod');
  });

  it('applies per-host port overrides over cluster ports, and the seed `port` as SSH port', () => {
    const c = loadCluster(
      file('ports: {p2p: 9000}\nhosts:\n  - name: a\n    host: 127.0.0.2\n    port: 2222\n    ports: {http_api: 9999}\n'),
    );
    expect(c.hosts[0]!.ports).toEqual({ ssh: 2222, http_api: 9999, p2p: 9000, admin: 8001 });
  });

  it('resolves key paths relative to the file', () => {
    const c = loadCluster(file('ssh: {key_path: id_cluster}\nhosts:\n  - {name: a, host: 127.0.0.2}\n'));
    expect(c.ssh.key_path).toBe(join(dir, 'id_cluster'));
  });

  it('rejects duplicate names, naming the duplicate and its line', () => {
    const f = file('hosts:\n  - name: a\n    host: 1.2.3.4\n  - name: a\n    host: 1.2.3.5\n');
    expect(problemsOf(() => loadCluster(f))).toEqual([
      { path: 'hosts[1].name', line: 4, message: 'duplicate node name "a" (first defined at hosts[0])' },
    ]);
  });

  it('rejects voters that are not hosts', () => {
    const f = file('hosts:\n  - name: a\n    host: 1.2.3.4\nvoter_nodes:\n  - a\n  - ghost\n');
    expect(problemsOf(() => loadCluster(f))).toEqual([
      { path: 'voter_nodes[1]', line: 6, message: 'voter "ghost" is not one of the hosts' },
    ]);
  });

  it('rejects names outside [A-Za-z0-9._-]', () => {
    const f = file('hosts:\n  - name: "a; rm -rf /"\n    host: 1.2.3.4\n');
    const [p] = problemsOf(() => loadCluster(f));
    expect(p).toMatchObject({ path: 'hosts[0].name', line: 2 });
    expect(p!.message).toMatch(/letters, digits/);
  });

  it('rejects bad addresses and ports', () => {
    const f = file('hosts:\n  - name: a\n    host: "not an address!"\n    fallback_host: 999.1.1.1.1\n    port: 70000\n');
    const problems = problemsOf(() => loadCluster(f));
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['hosts[0].host', 3],
      ['hosts[0].fallback_host', 4],
      ['hosts[0].port', 5],
    ]);
    expect(problems[2]!.message).toMatch(/65535/);
  });

  it('rejects unknown keys with a "did you mean"', () => {
    const f = file('ssh:\n  user: ubuntu\n  conect_timeout_s: 5\nhosts:\n  - name: a\n    hots: 1.2.3.4\n    host: 1.2.3.4\n');
    expect(problemsOf(() => loadCluster(f))).toEqual([
      { path: 'ssh.conect_timeout_s', line: 3, message: 'unknown key "conect_timeout_s" (did you mean "connect_timeout_s"?)' },
      { path: 'hosts[0].hots', line: 6, message: 'unknown key "hots" (did you mean "host"?)' },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const f = file('hosts:\n  - name: a\n    host: [1.2\n');
    const [p] = problemsOf(() => loadCluster(f));
    expect(p!.message).toMatch(/YAML syntax error/);
    expect(p!.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a missing file and a missing required field', () => {
    expect(problemsOf(() => loadCluster(join(dir, 'nope.yaml')))[0]!.message).toBe('file not found');
    const f = file('hosts:\n  - name: a\n');
    expect(problemsOf(() => loadCluster(f))).toEqual([{ path: 'hosts[0].host', line: 2, message: 'required field is missing' }]);
  });

  it('names the file in the error message', () => {
    const f = file('hosts: []\n');
    expect(() => loadCluster(f)).toThrow(f);
  });
});

describe('runbook.yaml', () => {
  it('loads the shipped policy with the runbook defaults (§5.2, §6.1)', () => {
    const p = loadPolicy('config/runbook.yaml');
    expect(p.heartbeatIntervalMs).toBe(5000);
    expect(p.failureThreshold).toBe(3);
    expect(p.recoveryBackoffMs).toBe(10_000);
    expect(p.escalation).toEqual({ unreachableFraction: 0.5, leaderlessMs: 300_000, syncStallMs: 600_000 });
    expect(p.approval.modes).toEqual({ low: 'auto', high: 'require' });
    expect(p.monitor.flapWindowMs).toBe(60 * 60_000);
  });

  it('reads monitor.flap_window_minutes and rejects a window that is not positive', () => {
    expect(loadPolicy(file('monitor:\n  flap_window_minutes: 15\n', 'runbook.yaml')).monitor.flapWindowMs).toBe(15 * 60_000);
    const bad = file('monitor:\n  flap_window_minutes: 0\n', 'runbook.yaml');
    expect(problemsOf(() => loadPolicy(bad)).map((p) => [p.path, p.line])).toEqual([['monitor.flap_window_minutes', 2]]);
  });

  it('rejects bad values and unknown keys with lines', () => {
    const f = file('approval:\n  timeout_minutes: -1\n  modes:\n    high: yolo\nmax_nodes_remediate: 2\n', 'runbook.yaml');
    expect(problemsOf(() => loadPolicy(f)).map((p) => [p.path, p.line])).toEqual([
      ['approval.timeout_minutes', 2],
      ['approval.modes.high', 4],
      ['max_nodes_remediate', 5],
    ]);
  });
});
