// config/runbook.yaml `alerts:` and `incident:` (DESIGN §8/§9): the five defaults, overrides
// that keep what they leave out, and errors that name file, path and line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { defaultPolicy, loadPolicy } from '../../src/config/loader.js';

const dir = mkdtempSync(join(tmpdir(), 'runbook-alerts-'));
let n = 0;
const file = (text: string): string => {
  const path = join(dir, `runbook-${++n}.yaml`);
  writeFileSync(path, text);
  return path;
};

describe('alert routing policy', () => {
  it('defaults route the runbook five alerts (§1, §7) and bound the incident', () => {
    const p = defaultPolicy();
    expect(Object.fromEntries(Object.entries(p.alerts).map(([k, r]) => [k, `${r.procedure}/${r.mode}`]))).toEqual({
      ClusterConnectivityDegraded: 'connectivity-incident/remediate',
      ClusterHealthCritical: 'connectivity-incident/escalate-only',
      NodeEvicted: 'recover-node/remediate',
      SyncHostCritical: 'repair-sync/remediate',
      LeaderElectionStalled: 'force-election/remediate',
    });
    expect(p.incident).toEqual({ maxRounds: 3, resolveWaitMs: 600_000 });
  });

  it('the shipped config/runbook.yaml loads and says the same as the defaults', () => {
    const shipped = loadPolicy('config/runbook.yaml');
    expect(shipped.alerts).toEqual(defaultPolicy().alerts);
    expect(shipped.incident).toEqual(defaultPolicy().incident);
  });

  it('an override keeps the default values it leaves out', () => {
    const p = loadPolicy(file('alerts:\n  NodeEvicted:\n    procedure: recover-node\n    node_label: instance\nincident:\n  max_rounds: 5\n'));
    expect(p.alerts['NodeEvicted']).toEqual({ procedure: 'recover-node', nodeLabel: 'instance', labels: ['severity'], mode: 'remediate' });
    expect(p.incident.maxRounds).toBe(5);
  });

  it('refuses an unknown procedure, escalate-only on a procedure, a bad label name and a misspelt key, with lines', () => {
    const f = file(
      [
        'alerts:',
        '  A:',
        '    procedure: reboot-everything',
        '  B:',
        '    procedure: restart-p2p',
        '    mode: escalate-only',
        '  C:',
        '    procedure: recover-node',
        '    node_label: "node; rm"',
        '  D:',
        '    procedure: recover-node',
        '    nodelabel: node',
      ].join('\n'),
    );
    let problems: ConfigError['problems'] = [];
    try {
      loadPolicy(f);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    expect(problems.map((p) => `${p.line}: ${p.path}`)).toEqual([
      '3: alerts.A.procedure',
      '6: alerts.B.mode',
      '9: alerts.C.node_label',
      '12: alerts.D.nodelabel',
    ]);
    expect(problems[1]!.message).toBe('escalate-only applies to procedure connectivity-incident only');
    expect(problems[3]!.message).toBe('unknown key "nodelabel" (did you mean "node_label"?)');
  });
});
