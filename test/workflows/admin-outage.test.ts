// repair-sync (§4.4) against an admin API outage (`sim fault cluster admin-down`): an unreachable
// admin API is its own outcome, retried then escalated, and never read as a stalled sync, so no
// force_full_sync runs even with --auto-approve. The histories carry no admin key. Subnet 61.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { ADMIN_KEY } from '../helpers/cluster.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { historyText } from '../helpers/secrets.js';
import { waitForProgress } from '../helpers/wait.js';
import { progressQuery } from '../../workflows/messages.js';
import { subnet } from '../helpers/subnets.js';

// A sync that takes 10 minutes: it is still running whenever the admin API goes down.
const harness = useClusterHarness({
  name: 'admin-outage',
  nodes: 4,
  voters: 3,
  subnet: subnet('workflows/admin-outage'),
  timeScale: 1,
  syncMs: 600_000,
});
const taskQueue = harness.taskQueue;
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
beforeAll(() => {
  ({ env, sim } = harness);
});

const resyncs = (): number => sim.state().mutations.filter((m) => m.command.includes('force_full_sync')).length;

const waitForStep = (h: Awaited<ReturnType<typeof startProcedure>>, step: string, state: string): Promise<unknown> =>
  waitForProgress(h, `step "${step}" to be ${state}`, (p) => p.steps.some((s) => s.name === step && s.state === state), { timeoutMs: 60_000 });

describe('repair-sync when the admin API is down', () => {
  it('an outage while watching escalates and never forces a resync (auto-approved), and history holds no key', async () => {
    const before = resyncs();
    const h = await startProcedure(env, taskQueue, 'repair-sync', { autoApprove: true, extra: { syncStallMs: 3000 } });
    await waitForStep(h, 'watch progress', 'running');
    sim.fault('cluster', 'admin-down');
    const r = await h.result();
    expect(r.status, r.summary).toBe('escalated');
    expect(r.escalation?.reasons.join(' ')).toMatch(/admin API.*unreachable.*ECONNREFUSED/);
    expect(resyncs()).toBe(before);
    const p = await h.query(progressQuery);
    expect(p.steps.filter((s) => s.name.includes('force full resync')).map((s) => s.state)).toEqual(['skipped', 'skipped']);
    // The key went out on every admin call of this run; none of it may be in history.
    const text = historyText(await h.fetchHistory());
    expect(text).toContain('watchSync');
    expect(text).not.toContain(ADMIN_KEY);
  });

  it('an outage from the start is retried, then escalated (not failed), with nothing changed', async () => {
    sim.fault('cluster', 'admin-down');
    const before = sim.state().mutations.filter((m) => m.source !== 'control').length;
    const h = await startProcedure(env, taskQueue, 'repair-sync', { autoApprove: true, extra: { syncStallMs: 3000 } });
    const r = await h.result();
    expect(r.status, r.summary).toBe('escalated');
    expect(r.escalation?.reasons.join(' ')).toMatch(/admin API.*unreachable/);
    expect(sim.state().mutations.filter((m) => m.source !== 'control').length).toBe(before);
    const history = await h.fetchHistory();
    // Retried (the quick preset's 3 attempts) before the escalation.
    const attempts = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
    expect(Math.max(...attempts)).toBe(3);
    const text = historyText(history);
    expect(text).toContain('AdminUnreachableError');
    expect(text).not.toContain(ADMIN_KEY);
  });
});
