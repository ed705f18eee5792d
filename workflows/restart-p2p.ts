// restart-p2p (runbook §4.1): restart the daemon over SSH, then poll /status until healthy and
// verify the node rejoined, instead of the runbook's fixed `sleep 3`.
import { patched } from '@temporalio/workflow';
import type { ProcedureResult } from '../src/domain/procedure-input.js';
import { type RecoveryInput, recoveryOptions } from './recovery-input.js';
import { RemediationSlots } from './runtime/blast-radius.js';
import { unreachableGuard } from './runtime/guard.js';
import { lookAgain, lookAtNode, restartDaemon, verifyRejoined, voterQuorumGuard } from './runtime/node-steps.js';
import { EscalationRequired } from './runtime/procedure.js';
import { requireNode } from './runtime/require-node.js';
import { runProcedure } from './runtime/run-procedure.js';

/** The steps progress shows from the start. */
const PLAN = ['check node', 'ask the cluster', 'check cluster reachability', 'approve restart p2p', 'look again', 'stop p2p daemon', 'start p2p daemon', 'wait until p2p healthy', 'verify rejoined'] as const;

/** patched() id: the slot is held through "verify rejoined", not released at "healthy": a daemon
 * reports running before it rejoins, and another voter change must not count it alive. */
export const SLOT_THROUGH_REJOIN_PATCH = 'restart-p2p-slot-through-rejoin';

export async function restartP2p(input: RecoveryInput): Promise<ProcedureResult> {
  const node = requireNode(input);
  const opts = recoveryOptions(input);
  const slots = new RemediationSlots(opts.maxNodesRemediated, input.slotsWorkflowId);
  return runProcedure('restart-p2p', input, PLAN, async (run) => {
    const untouched = (why: string): ProcedureResult => {
      for (const step of PLAN) if (run.progress.steps.find((x) => x.name === step)?.state === 'pending') run.skip(step, 'nothing changed');
      return run.complete(`${node}: ${why}`);
    };
    const look = await lookAtNode(run, 'check node', node);
    if (look.p2pOk && look.status?.status === 'running' && look.status.leader_id !== null) {
      return run.complete(`${node}: P2P already healthy (leader ${look.status.leader_id}); nothing restarted`);
    }
    // The worker alone saw the daemon down: ask the cluster before anyone is asked to approve.
    const confirmed = await lookAgain(run, 'ask the cluster', node);
    if (!confirmed.act) return untouched(confirmed.why);
    await unreachableGuard(run, opts.unreachableFraction);
    await run.approve('restart p2p', 'low', `restart the P2P daemon on ${node} (§4.1)`);
    const { healthy, rejoined, unchanged } = await slots.with(run, 'stop p2p daemon', node, opts.slotWaitMs, async () => {
      // The first look may be minutes old (an approval, a queue for the slot, another procedure
      // on the same node): what the node is now decides whether anything changes.
      const look = await lookAgain(run, 'look again', node);
      if (!look.act) return { healthy: true, rejoined: true, unchanged: look.why };
      if (!run.dryRun) await voterQuorumGuard(node); // checked under the slot, right before the stop
      const up = await restartDaemon(run, node, '', opts.verifyTimeoutMs);
      // A restarted daemon answers `running` before it has rejoined (§4.1 "verify it rejoined"):
      // until then it is still down for the cluster, so the slot (one voter at a time) stays held
      // and no other procedure's quorum guard counts it alive. Older runs released here.
      if (!up || !patched(SLOT_THROUGH_REJOIN_PATCH)) return { healthy: up, rejoined: undefined, unchanged: undefined };
      return { healthy: up, rejoined: await verifyRejoined(run, 'verify rejoined', node, opts.verifyTimeoutMs), unchanged: undefined };
    });
    if (unchanged !== undefined) return untouched(unchanged);
    if (!healthy) throw new EscalationRequired([`P2P daemon on ${node} did not become healthy after a restart`]);
    if (!(rejoined ?? (await verifyRejoined(run, 'verify rejoined', node, opts.verifyTimeoutMs))) && !run.dryRun) {
      throw new EscalationRequired([`${node} runs P2P again but has not rejoined the cluster (partition? try recover-node)`]);
    }
    return run.complete(run.dryRun ? `dry run: would restart P2P on ${node}` : `${node}: P2P restarted and rejoined`);
  });
}
