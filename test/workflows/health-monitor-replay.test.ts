// Recorded health-monitor runs (test/fixtures/monitor-histories, from
// test/fixtures/record-monitor-history.ts) replay against the current monitor: a change to its
// command sequence without patched() fails here. Replay needs no server.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { MONITOR_WORKFLOW_ID } from '../../src/domain/monitor.js';
// The replay worker's state lines go to this file's log, not the console.
import '../helpers/test-runtime.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'monitor-histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
const noop = (): void => undefined;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  bundle = await bundleWorkflowCode({
    workflowsPath: join(import.meta.dirname, '..', 'fixtures', 'monitor-workflows.ts'),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
  });
});

describe('replay of recorded health-monitor runs', () => {
  it('has a first run (recoveries, an escalation, continue-as-new) and its continuation', () => {
    expect(fixtures.sort()).toEqual(['health-monitor-continued.json', 'health-monitor-first-run.json']);
  });

  for (const f of fixtures) {
    it(`replays ${f} against the current code`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8')));
      await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, MONITOR_WORKFLOW_ID)).resolves.toBeUndefined();
    });
  }
});
