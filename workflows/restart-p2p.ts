// restart-p2p (runbook §4.1): restart the daemon over SSH, then poll /status until healthy and
// verify the node rejoined, instead of the runbook's fixed `sleep 3`.
import type { ProcedureResult } from '../src/domain/procedure-input.js';
import { type RecoveryInput, recoveryOptions } from './recovery-input.js';
import { RemediationSlots } from './runtime/blast-radius.js';
import { unreachableGuard } from './runtime/guard.js';
import { lookAtNode, restartDaemon, verifyRejoined, voterQuorumGuard } from './runtime/node-steps.js';
import { EscalationRequired } from './runtime/procedure.js';
import { requireNode } from './runtime/require-node.js';
import { runProcedure } from './runtime/run-procedure.js';

/** The steps progress shows from the start. */
const PLAN = ['check node', 'check cluster reachability', 'approve restart p2p', 'stop p2p daemon', 'start p2p daemon', 'wait until p2p healthy', 'verify rejoined'] as const;

export async function restartP2p(input: RecoveryInput): Promise<ProcedureResult> {
  const node = requireNode(input);
  const opts = recoveryOptions(input);
  const slots = new RemediationSlots(opts.maxNodesRemediated, input.slotsWorkflowId);
  return runProcedure('restart-p2p', input, PLAN, async (run) => {
    const look = await lookAtNode(run, 'check node', node);
    if (look.p2pOk && look.status?.status === 'running' && look.status.leader_id !== null) {
      return run.complete(`${node}: P2P already healthy (leader ${look.status.leader_id}); nothing restarted`);
    }
    await unreachableGuard(run, opts.unreachableFraction);
    await run.approve('restart p2p', 'low', `restart the P2P daemon on ${node} (§4.1)`);
    const healthy = await slots.with(run, 'stop p2p daemon', node, opts.slotWaitMs, async () => {
      if (!run.dryRun) await voterQuorumGuard(node); // checked under the slot, right before the stop
      return restartDaemon(run, node, '', opts.verifyTimeoutMs);
    });
    if (!healthy) throw new EscalationRequired([`P2P daemon on ${node} did not become healthy after a restart`]);
    if (!(await verifyRejoined(run, 'verify rejoined', node, opts.verifyTimeoutMs)) && !run.dryRun) {
      throw new EscalationRequired([`${node} runs P2P again but has not rejoined the cluster (partition? try recover-node)`]);
    }
    return run.complete(run.dryRun ? `dry run: would restart P2P on ${node}` : `${node}: P2P restarted and rejoined`);
  });
}
