// recover-node (runbook §4.5): look from the node (over the fallback when the primary is dead),
// then networkd, Tailscale and P2P restarts, each gated, verifying after each and stopping as
// soon as the node has rejoined.
import type { ProcedureResult } from '../src/domain/procedure-input.js';
import { type RecoveryInput, recoveryOptions } from './recovery-input.js';
import { quick } from './runtime/activities.js';
import { errorText } from './runtime/error-text.js';
import { RemediationSlots } from './runtime/blast-radius.js';
import { unreachableGuard } from './runtime/guard.js';
import {
  lookAtNode,
  restartDaemon,
  restartTailscale,
  sessionVia,
  sshStep,
  type TailscaleRestartStep,
  verifyRejoined,
  voterQuorumGuard,
} from './runtime/node-steps.js';
import { EscalationRequired } from './runtime/procedure.js';
import { requireNode } from './runtime/require-node.js';
import { runProcedure } from './runtime/run-procedure.js';

export interface RecoverNodeInput extends RecoveryInput {
  /** How long to look for a rejoin after networkd and after Tailscale before the next stage. */
  stageVerifyMs?: number;
}

/** The steps progress shows from the start. */
const PLAN = [
  'check node',
  'check reachability from node',
  'check cluster reachability',
  'approve restart systemd-networkd',
  'restart systemd-networkd',
  'approve restart tailscale',
  'restart tailscale',
  'approve restart p2p',
  'stop p2p daemon',
  'start p2p daemon',
  'wait until p2p healthy',
  'verify rejoined',
] as const;
type Step = (typeof PLAN)[number] | TailscaleRestartStep;

export async function recoverNode(input: RecoverNodeInput): Promise<ProcedureResult> {
  const node = requireNode(input);
  const opts = recoveryOptions(input);
  // Between stages a short look is enough: the next stage is the real fix if this one was not.
  const stageVerifyMs = input.stageVerifyMs ?? Math.min(opts.verifyTimeoutMs, 10_000);
  const slots = new RemediationSlots(opts.maxNodesRemediated, input.slotsWorkflowId);
  return runProcedure<Step>('recover-node', input, PLAN, async (run) => {
    const look = await lookAtNode(run, 'check node', node);
    const via = sessionVia(look);
    const reach = await run
      .step('check reachability from node', () => quick.sshRun({ node, step: 'reach-backbone', via }))
      .catch((err: unknown) => {
        throw new EscalationRequired([`cannot log in to ${node}: ${errorText(err)}`]);
      });
    run.note('check reachability from node', reach && reach.exitCode === 0 ? 'backbone reachable from the node' : `backbone NOT reachable from the node (curl exit ${reach?.exitCode})`);
    if (reach?.exitCode === 0 && (await verifyRejoined(run, 'verify rejoined', node, stageVerifyMs))) {
      return run.complete(`${node} reaches the backbone and is part of the cluster; nothing restarted`);
    }

    await unreachableGuard(run, opts.unreachableFraction);
    // Each stage: approval first (no slot is held while a human decides), then the change and
    // its verification under a blast-radius slot; stop as soon as the node has rejoined.
    const stage = (name: Step, change: () => Promise<unknown>, verifyMs: number): Promise<boolean> =>
      slots.with(run, name, node, opts.slotWaitMs, async () => {
        await change();
        return verifyRejoined(run, 'verify rejoined', node, verifyMs);
      });

    await run.approve('restart systemd-networkd', 'high', `sudo systemctl restart systemd-networkd on ${node} (§4.5)`);
    if (await stage('restart systemd-networkd', () => sshStep(run, 'restart systemd-networkd', node, 'networkd-restart', via), stageVerifyMs)) {
      return run.complete(`${node} rejoined after a networkd restart`);
    }

    await run.approve('restart tailscale', 'high', `sudo tailscale down && sudo tailscale up on ${node} (§4.5)`);
    if (await stage('restart tailscale', () => restartTailscale(run, node, via), stageVerifyMs)) return run.complete(`${node} rejoined after a Tailscale restart`);

    await run.approve('restart p2p', 'low', `restart the P2P daemon on ${node} (§4.5)`);
    const rejoined = await stage(
      'stop p2p daemon',
      async () => {
        if (!run.dryRun) await voterQuorumGuard(node);
        if (!(await restartDaemon(run, node, '', opts.verifyTimeoutMs))) {
          throw new EscalationRequired([`P2P daemon on ${node} did not come back after its restart`]);
        }
      },
      opts.verifyTimeoutMs,
    );
    if (run.dryRun) return run.complete(`dry run: would restart networkd, Tailscale and P2P on ${node}`);
    if (!rejoined) throw new EscalationRequired([`${node} has not rejoined after networkd, Tailscale and P2P restarts`]);
    return run.complete(`${node} rejoined after networkd, Tailscale and P2P restarts`);
  });
}
