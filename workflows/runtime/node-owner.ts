// One owner per node (DESIGN §11), the incident's side: before an incident starts a procedure on
// a node, it asks who else works on that node (the monitor's recovery, a CLI run, another
// incident's child) and lets that one finish first. The monitor asks the same before it starts.
import { patched, sleep } from '@temporalio/workflow';
import { quick } from './activities.js';
import type { ProcedureRun } from './procedure.js';

/** patched() id: incidents wait for another procedure on the node before starting theirs. */
export const INCIDENT_ONE_OWNER_PATCH = 'incident-one-owner';
const POLL_MS = 5_000;

/**
 * Waits while another procedure is open on `node`, at most `maxWaitMs`. Then the caller starts its
 * own: its slot and its fresh look before each change (§11) keep it from repeating a fix. A
 * question that cannot be answered (visibility down) does not hold the incident up.
 */
export async function waitForOtherOwner(run: ProcedureRun, step: string, node: string, maxWaitMs: number): Promise<void> {
  if (!patched(INCIDENT_ONE_OWNER_PATCH)) return;
  const deadline = Date.now() + maxWaitMs;
  let waited = false;
  for (;;) {
    const owners = await quick.openProceduresOnNode({ node }).catch(() => []);
    const [owner] = owners;
    if (owner === undefined) {
      if (waited) run.note(step, `${node} is free again`);
      return;
    }
    if (Date.now() >= deadline) {
      run.note(step, `${node} is still worked on by ${owner.procedure} ${owner.workflowId}; starting anyway (its slot and a fresh look keep a fix from repeating)`);
      return;
    }
    run.note(step, `waiting: ${node} is worked on by ${owner.procedure} ${owner.workflowId}`);
    waited = true;
    await sleep(POLL_MS, { summary: `one owner per node: wait for ${owner.workflowId} on ${node}` });
  }
}
