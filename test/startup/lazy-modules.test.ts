// Start-up time (docs/explanation/performance.md, "Start-up"): packages needed only on an error
// path, or only once the worker runs an activity, stay unloaded on the common path. Checked in a
// fresh Node process, where the module cache shows what a command really loads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import * as messages from '../../workflows/messages.js';

/** Runs `body` (an ES module using `loader`) in a fresh process under tsx; returns its stdout lines. */
function inFreshProcess(body: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-lazy-'));
  const script = join(dir, 'probe.mts');
  writeFileSync(
    script,
    `import { createRequire } from 'node:module';\n` +
      `import * as loader from ${JSON.stringify(join(PROJECT_ROOT, 'src/config/loader.ts'))};\n` +
      `const cache = createRequire(import.meta.url).cache;\n` +
      `const loaded = (pkg) => Object.keys(cache).some((k) => k.includes('/node_modules/' + pkg + '/'));\n` +
      `const yamlLoaded = () => Object.keys(cache).some((k) => /[\\\\/]node_modules[\\\\/]yaml[\\\\/]/.test(k));\n` +
      body,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

describe('lazy modules', () => {
  it('a valid config loads without the `yaml` package; a wrong one still gets its line numbers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbook-lazy-cfg-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'approval:\n  timeout_minutes: 15\n  modez: {}\n');
    const out = inFreshProcess(
      `loader.loadPolicy(${JSON.stringify(join(PROJECT_ROOT, 'config/runbook.yaml'))});\n` +
        `loader.loadCluster(${JSON.stringify(join(PROJECT_ROOT, 'config/distributed_hosts.yaml'))});\n` +
        `console.log('after valid: yaml loaded=' + yamlLoaded());\n` +
        `try { loader.loadPolicy(${JSON.stringify(bad)}); } catch (err) { console.log('problems=' + JSON.stringify(err.problems)); }\n` +
        `console.log('after error: yaml loaded=' + yamlLoaded());\n`,
    );
    expect(out[0]).toBe('after valid: yaml loaded=false');
    expect(JSON.parse(out[1]!.slice('problems='.length))).toEqual([expect.objectContaining({ path: 'approval.modez', line: 3 })]);
    expect(out[2]).toBe('after error: yaml loaded=true');
  });

  it('the worker builds its activities without undici, ssh2, yaml or @temporalio/workflow; undici loads before the first activity runs', () => {
    const root = (f: string): string => JSON.stringify(join(PROJECT_ROOT, f));
    const out = inFreshProcess(
      `const { createActivities } = await import(${root('activities/index.ts')});\n` +
        `await import(${root('workflows/messages.ts')});\n` +
        `const policy = loader.loadPolicy(${root('config/runbook.yaml')});\n` +
        `const spec = loader.loadCluster(${root('config/distributed_hosts.yaml')});\n` +
        `const acts = createActivities({ cluster: () => spec, policy });\n` +
        `const pkgs = ['undici', 'ssh2', 'yaml', '@temporalio/workflow'];\n` +
        `console.log(JSON.stringify(pkgs.filter(loaded)));\n` +
        // Any first activity, even one without HTTP, loads undici before its own work (and clocks) start.
        `await acts.clusterInfo({});\n` +
        `console.log(JSON.stringify(pkgs.filter(loaded)));\n` +
        // Positive controls: the same check sees each package once something really uses it.
        `const projectRequire = createRequire(${root('package.json')});\n` +
        `projectRequire('ssh2');\n` +
        `await import(${root('activities/hosts-file.ts')});\n` +
        `projectRequire('@temporalio/workflow');\n` +
        `console.log(JSON.stringify(pkgs.filter(loaded)));\n`,
    );
    expect(JSON.parse(out[0]!)).toEqual([]);
    expect(JSON.parse(out[1]!)).toEqual(['undici']);
    expect(JSON.parse(out[2]!)).toEqual(['undici', 'ssh2', 'yaml', '@temporalio/workflow']);
  });

  it("messages.ts's definitions are what the SDK's define* functions return for the same names", () => {
    const made: Record<string, (name: string) => unknown> = { signal: defineSignal, query: defineQuery, update: defineUpdate };
    const defs = Object.values(messages) as unknown as Array<{ type: string; name: string }>;
    expect(defs.map((d) => d.name).sort()).toEqual(['alert', 'alert-resolved', 'approve', 'decide', 'progress', 'reject', 'resume-node', 'stop-monitor']);
    for (const d of defs) expect(d).toStrictEqual(made[d.type]!(d.name));
  });
});
