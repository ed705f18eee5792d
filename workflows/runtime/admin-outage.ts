// §4.4 "admin API unreachable" as its own outcome: the activity retried and still got no answer,
// so the procedure escalates. A silent admin API says nothing about the sync itself, so this is
// never read as a stall and never leads to force_full_sync.
import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import { errorText } from './error-text.js';
import { EscalationRequired } from './procedure.js';

/** patched() id: repair-sync escalates (instead of failing) when the admin API does not answer. */
export const ADMIN_OUTAGE_PATCH = 'repair-sync-admin-outage-escalates';

function isAdminOutage(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'AdminUnreachableError';
}

/** The escalation for an admin API that did not answer, with where and why. */
export function adminOutage(coordinator: string | undefined, why: string): EscalationRequired {
  return new EscalationRequired([
    `admin API${coordinator !== undefined ? ` on ${coordinator}` : ''} unreachable (${why}): an outage, not a stalled sync; no resync was attempted (§4.4, §6.1)`,
  ]);
}

/**
 * Runs an admin API step; an outage that survived the activity's retries escalates. Recorded
 * histories from before the patch failed the run here, and still do on replay.
 */
export async function escalateAdminOutage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isAdminOutage(err) && patched(ADMIN_OUTAGE_PATCH)) throw adminOutage(undefined, errorText(err));
    throw err;
  }
}
