// Past recoveries replay against the current workflow code (test/fixtures/histories, recorded
// by test/fixtures/record-histories.ts). A change to a released command sequence without
// patched() fails here; the drifted-code case proves this test can fail.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { expectNoSecrets } from '../helpers/secrets.js';
import { workflowBundle } from '../helpers/temporal-env.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (f: string): ReturnType<typeof historyFromJSON> => historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8')));

describe('replay of recorded recoveries', () => {
  it('has a recorded history for every procedure, one approved by a human and one rolling voter restart', () => {
    expect(fixtures.map((f) => f.replace('.json', '')).sort()).toEqual(
      ['diagnose', 'fix-tailscale', 'force-election', 'recover-node', 'repair-sync', 'restart-p2p', 'update-hosts',
        // test/fixtures/record-human-histories.ts
        'recover-node-human-approved', 'force-election-rolling',
        // test/fixtures/record-incident-history.ts: a second alert occurrence heard while waiting
        'connectivity-incident-joined'].sort(),
    );
  });

  // Secrets never reach history. The recorders' simulated clusters used ADMIN_KEY and a fresh SSH
  // key each; the key files are gone, so look for the admin key and for any private key's armour
  // line.
  it.each(fixtures)('%s holds no admin key and no private key', (f) => {
    expectNoSecrets(load(f), { 'admin key': ADMIN_KEY, 'private key armour': 'PRIVATE KEY-----' }, f);
  });

  it('the human-approved history holds approval signals and an accepted update; the rolling one restarts several voters', () => {
    const human = load('recover-node-human-approved.json').events ?? [];
    expect(human.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'approve').length).toBeGreaterThanOrEqual(2);
    expect(human.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length).toBe(1);
    expect(human.some((e) => e.activityTaskScheduledEventAttributes)).toBe(true);
    const rolling = load('force-election-rolling.json').events ?? [];
    const stops = rolling.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sshRun');
    expect(stops.length).toBeGreaterThanOrEqual(4); // a stop and a start for at least two voters
  });

  for (const f of fixtures) {
    it(`replays ${f} against the current code`, async () => {
      await expect(
        Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, load(f), `replay-${f}`),
      ).resolves.toBeUndefined();
    });
  }

  it('detects a changed command sequence', async () => {
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: join(import.meta.dirname, '..', 'fixtures', 'drifted-workflows.ts') },
        load('restart-p2p.json'),
        'replay-drifted',
      ),
    ).rejects.toThrow(DeterminismViolationError);
  });

  // Quiet by default: the verdict, not webpack's bundle report or the worker's states (--verbose).
  const LOG_LINE = /asset workflow-bundle|webpack|Workflow bundle created|Worker state changed|Failing workflow task|\b(INFO|WARN)\b/;

  it('`runbook replay <history.json>` exits 0 on a clean replay and prints only the verdict', async () => {
    const r = await runCli(['replay', join(dir, 'diagnose.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([`${join(dir, 'diagnose.json')}: replays cleanly against the current code`]);
    expect(r.stderr).not.toMatch(LOG_LINE);
    expect(r.stderr.trim()).toBe('');
  });

  it('`runbook replay` of a drifted history exits 1 with the verdict alone on stderr', async () => {
    // The recorded restart-p2p history with its activities renamed: no code schedules those.
    const history = JSON.parse(readFileSync(join(dir, 'restart-p2p.json'), 'utf8')) as { events: Array<Record<string, { activityType?: { name: string } }>> };
    for (const e of history.events) {
      const scheduled = e['activityTaskScheduledEventAttributes'];
      if (scheduled?.activityType) scheduled.activityType.name = 'activityNoCodeHas';
    }
    const file = join(mkdtempSync(join(tmpdir(), 'replay-drift-')), 'drifted.json');
    writeFileSync(file, JSON.stringify(history));
    const r = await runCli(['replay', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^runbook: .*drifted\.json: replay failed: .*[Nn]ondeterminism/);
    expect(r.stderr).not.toMatch(/Failing workflow task|asset workflow-bundle|Worker state changed/);
  });

  it('`runbook replay --verbose` adds the bundle report and the worker log to the verdict', async () => {
    // Through tsx, which bundles the workflows at start (the compiled CLI loads a prebuilt bundle
    // and has no bundle report to show).
    const r = await runCli(['replay', '--verbose', join(dir, 'diagnose.json')], { RUNBOOK_TSX: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/replays cleanly/);
    expect(r.stderr).toMatch(/Workflow bundle created/);
    expect(r.stderr).toMatch(/Worker state changed/);
  });
});
