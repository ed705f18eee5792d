// recover-node (runbook §4.5): look from the node (over the fallback when the primary is dead),
// then networkd, Tailscale and P2P restarts, each gated, verifying after each and stopping as
// soon as the node has rejoined.
import { patched } from '@temporalio/workflow';
import type { ProcedureResult } from '../src/domain/procedure-input.js';
import { type RecoveryInput, recoveryOptions } from './recovery-input.js';
import { quick } from './runtime/activities.js';
import { errorText } from './runtime/error-text.js';
import { RemediationSlots } from './runtime/blast-radius.js';
import { unreachableGuard } from './runtime/guard.js';
import {
  lookAgain,
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
  'ask the cluster',
  'check cluster reachability',
  'look again',
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

/**
 * patched() id: least invasive first (DESIGN §11). The networkd stage runs only when the node
 * cannot reach the backbone, the Tailscale stage only then or when its Tailscale address is dead;
 * a node whose network is fine goes straight to the P2P stage. Older runs tried all three.
 */
export const LEAST_INVASIVE_PATCH = 'recover-node-least-invasive';

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

    // The worker's look alone never asks a human for a restart: the cluster confirms first.
    const confirmed = await lookAgain(run, 'ask the cluster', node);
    if (!confirmed.act) {
      for (const step of PLAN) if (run.progress.steps.find((x) => x.name === step)?.state === 'pending') run.skip(step, 'nothing changed');
      return run.complete(`${node}: ${confirmed.why}`);
    }
    await unreachableGuard(run, opts.unreachableFraction);
    // Each stage: approval first (no slot is held while a human decides), then, under a
    // blast-radius slot, a fresh look (§11: the approval may be minutes old), the change and its
    // verification; stop as soon as the node has rejoined.
    let unchanged: string | undefined;
    const leastInvasive = patched(LEAST_INVASIVE_PATCH);
    const stage = (name: Step, change: () => Promise<unknown>, verifyMs: number): Promise<boolean> =>
      slots.with(run, name, node, opts.slotWaitMs, async () => {
        const look = await lookAgain(run, 'look again', node);
        if (!look.act) {
          unchanged = look.why;
          return true;
        }
        // networkd and Tailscale restarts can take a voter off the mesh as a P2P stop does (that
        // stage counts the quorum itself): count it under the slot first.
        if (name !== 'stop p2p daemon' && leastInvasive && !run.dryRun) await voterQuorumGuard(node);
        await change();
        return verifyRejoined(run, 'verify rejoined', node, verifyMs);
      });
    const untouched = (): ProcedureResult => {
      for (const step of ['restart systemd-networkd', 'restart tailscale', 'stop p2p daemon', 'start p2p daemon', 'wait until p2p healthy', 'verify rejoined'] as const) {
        if (run.progress.steps.find((x) => x.name === step)?.state === 'pending') run.skip(step, 'nothing changed');
      }
      return run.complete(`${node}: ${unchanged}`);
    };

    const reachesBackbone = reach?.exitCode === 0;
    const networkAtFault = !leastInvasive || !reachesBackbone;
    // The primary address is the node's Tailscale one: answering only on the fallback means its Tailscale is down.
    const tailscaleAtFault = networkAtFault || look.via === 'fallback';

    if (networkAtFault) {
      await run.approve('restart systemd-networkd', 'high', `sudo systemctl restart systemd-networkd on ${node} (§4.5)`);
      if (await stage('restart systemd-networkd', () => sshStep(run, 'restart systemd-networkd', node, 'networkd-restart', via), stageVerifyMs)) {
        return unchanged !== undefined ? untouched() : run.complete(`${node} rejoined after a networkd restart`);
      }
    } else {
      run.skip('approve restart systemd-networkd', 'not needed: the node reaches the backbone, its network is fine');
      run.skip('restart systemd-networkd', 'not needed: the node reaches the backbone');
    }

    if (tailscaleAtFault) {
      await run.approve('restart tailscale', 'high', `sudo tailscale down && sudo tailscale up on ${node} (§4.5)`);
      if (await stage('restart tailscale', () => restartTailscale(run, node, via), stageVerifyMs)) {
        return unchanged !== undefined ? untouched() : run.complete(`${node} rejoined after a Tailscale restart`);
      }
    } else {
      run.skip('approve restart tailscale', 'not needed: the node answers on its Tailscale address and reaches the backbone');
      run.skip('restart tailscale', 'not needed: its Tailscale works');
    }

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
    if (unchanged !== undefined) return untouched();
    const restarted = [networkAtFault && 'networkd', tailscaleAtFault && 'Tailscale', 'P2P'].filter(Boolean).join(', ').replace(/, (?=[^,]*$)/, ' and ');
    if (run.dryRun) return run.complete(`dry run: would restart ${restarted} on ${node}`);
    if (!rejoined) throw new EscalationRequired([`${node} has not rejoined after ${restarted} restarts`]);
    return run.complete(`${node} rejoined after ${restarted.includes(' and ') ? `${restarted} restarts` : `a ${restarted} restart`}`);
  });
}
