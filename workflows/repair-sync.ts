// repair-sync (runbook §4.4): status, trigger the categories, watch progress with heartbeats;
// the heavy force full resync only when progress stalls, and only with approval.
import { PROCEDURE_DEFAULTS } from '../src/domain/defaults.js';
import type { ProcedureResult } from '../src/domain/procedure-input.js';
import { MAX_WAIT_MS, type RecoveryInput, recoveryOptions } from './recovery-input.js';
import { longRunning, quick } from './runtime/activities.js';
import { adminOutage, escalateAdminOutage } from './runtime/admin-outage.js';
import { RemediationSlots } from './runtime/blast-radius.js';
import { unreachableGuard } from './runtime/guard.js';
import { sshStep } from './runtime/node-steps.js';
import { EscalationRequired } from './runtime/procedure.js';
import { runProcedure } from './runtime/run-procedure.js';

export interface RepairSyncInput extends RecoveryInput {
  /** §4.4 `categories=games&categories=models` */
  categories?: string[];
  /** No progress for this long counts as stalled. */
  syncStallMs?: number;
  /** Longest wait for a sync to complete. */
  syncTimeoutMs?: number;
}

/**
 * Poll interval of the watches: each poll is a curl on the coordinator over one held SSH
 * connection, and a sync is judged over minutes (the stall window), not seconds.
 */
const WATCH_INTERVAL_MS = 2000;

/** The steps progress shows from the start. */
const PLAN = ['sync status', 'check cluster reachability', 'approve trigger sync', 'trigger sync', 'watch progress', 'approve force full resync', 'force full resync', 'watch resync'] as const;

export async function repairSync(input: RepairSyncInput): Promise<ProcedureResult> {
  const opts = recoveryOptions(input);
  const categories = input.categories ?? ['games', 'models'];
  const stallMs = input.syncStallMs ?? PROCEDURE_DEFAULTS.syncStallMs;
  const timeoutMs = Math.min(input.syncTimeoutMs ?? PROCEDURE_DEFAULTS.syncTimeoutMs, MAX_WAIT_MS);
  const slots = new RemediationSlots(opts.maxNodesRemediated, input.slotsWorkflowId);
  return runProcedure('repair-sync', input, PLAN, async (run) => {
    const before = await escalateAdminOutage(() => run.step('sync status', () => quick.syncStatus({})));
    run.note('sync status', `${Math.round(before.progress * 100)}%${before.stalled ? ', stalled' : ''}${before.inProgress ? ', in progress' : ''}`);

    await unreachableGuard(run, opts.unreachableFraction);
    await run.approve('trigger sync', 'low', `trigger a sync of ${categories.join(', ')} (§4.4)`);
    await escalateAdminOutage(() =>
      run.step('trigger sync', () => quick.triggerSync({ categories }), {
        mutating: true,
        detail: `POST /admin/sync/trigger?${categories.map((c) => `categories=${c}`).join('&')}`,
      }),
    );
    if (run.dryRun) {
      run.skip('watch progress', 'dry run');
    } else {
      const w = await run.step('watch progress', () => longRunning.watchSync({ timeoutMs, stallMs, intervalMs: WATCH_INTERVAL_MS }));
      run.note('watch progress', `${w.outcome} at ${Math.round(w.progress * 100)}%${w.error !== undefined ? ` (${w.error})` : ''}`);
      // An outage is not a stall: escalate, never force a resync on it.
      if (w.outcome === 'admin-unreachable') throw adminOutage(undefined, `no answer for ${Math.round(stallMs / 1000)} s: ${w.error ?? 'no answer'}`);
      if (w.outcome === 'complete') return run.complete(`sync of ${categories.join(', ')} complete`);
      if (w.outcome === 'timeout') throw new EscalationRequired([`sync still running after ${Math.round(timeoutMs / 60_000)} min`]);
    }

    // Progress stalled: the runbook's force_full_sync on the coordinator.
    const info = await quick.clusterInfo({});
    await run.approve('force full resync', 'high', `run AutoSyncDaemon.force_full_sync() on ${info.coordinator} (§4.4)`);
    await slots.with(run, 'force full resync', info.coordinator, opts.slotWaitMs, () =>
      sshStep(run, 'force full resync', info.coordinator, 'force-full-sync'),
    );
    if (run.dryRun) return run.complete('dry run: would trigger sync, watch it, and force a full resync if it stalls');
    const w = await run.step('watch resync', () => longRunning.watchSync({ timeoutMs, stallMs, intervalMs: WATCH_INTERVAL_MS }));
    run.note('watch resync', `${w.outcome} at ${Math.round(w.progress * 100)}%${w.error !== undefined ? ` (${w.error})` : ''}`);
    if (w.outcome === 'admin-unreachable') throw adminOutage(info.coordinator, `no answer for ${Math.round(stallMs / 1000)} s: ${w.error ?? 'no answer'}`);
    if (w.outcome !== 'complete') throw new EscalationRequired([`data sync ${w.outcome} even after a forced full resync (§6.1)`]);
    return run.complete('sync complete after a forced full resync');
  });
}
