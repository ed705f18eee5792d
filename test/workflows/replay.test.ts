// Past recoveries replay against the current workflow code (test/fixtures/histories, recorded
// by test/fixtures/record-histories.ts). A change to a released command sequence without
// patched() fails here; the drifted-code case proves this test can fail.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { workflowBundle } from '../helpers/temporal-env.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (f: string): ReturnType<typeof historyFromJSON> => historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8')));

describe('replay of recorded recoveries', () => {
  it('has a recorded history for every procedure', () => {
    expect(fixtures.map((f) => f.replace('.json', '')).sort()).toEqual(
      ['diagnose', 'fix-tailscale', 'force-election', 'recover-node', 'repair-sync', 'restart-p2p', 'update-hosts'].sort(),
    );
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

  it('`runbook replay <history.json>` exits 0 on a clean replay', async () => {
    const r = await runCli(['replay', join(dir, 'diagnose.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/replays cleanly/);
  });
});
