// fix-tailscale (runbook §4.2). `tailscale down` cuts an SSH session that rides on Tailscale,
// so the runbook's heredoc would stop half-way: run down/up over the fallback address, or
// detached from the session when the node has no fallback, then verify the node is back.
import { patched, sleep } from '@temporalio/workflow';
import type { ProcedureResult } from '../src/domain/procedure-input.js';
import { type RecoveryInput, recoveryOptions } from './recovery-input.js';
import { quick } from './runtime/activities.js';
import { RemediationSlots } from './runtime/blast-radius.js';
import { unreachableGuard } from './runtime/guard.js';
import { lookAgain, lookAtNode, restartTailscale, sessionVia, type TailscaleRestartStep, voterQuorumGuard } from './runtime/node-steps.js';
import { EscalationRequired, type ProcedureRun } from './runtime/procedure.js';
import { requireNode } from './runtime/require-node.js';
import { runProcedure } from './runtime/run-procedure.js';

/** The steps progress shows from the start. */
const PLAN = ['check node', 'ask the cluster', 'check cluster reachability', 'approve restart tailscale', 'look again', 'restart tailscale', 'verify tailscale online'] as const;
type Step = (typeof PLAN)[number] | TailscaleRestartStep;

/**
 * patched() id: a node whose primary address answers is left alone when Tailscale's status cannot
 * be read (treated as online, and said so), and a voter's quorum is counted under the slot before
 * its Tailscale goes down (it can take the voter off the mesh). Older runs did neither.
 */
export const TAILSCALE_QUORUM_PATCH = 'fix-tailscale-quorum';

export async function fixTailscale(input: RecoveryInput): Promise<ProcedureResult> {
  const node = requireNode(input);
  const opts = recoveryOptions(input);
  const slots = new RemediationSlots(opts.maxNodesRemediated, input.slotsWorkflowId);
  return runProcedure<Step>('fix-tailscale', input, PLAN, async (run) => {
    const look = await lookAtNode(run, 'check node', node);
    const online = look.via === 'primary' ? await tailscaleOnline(node) : false;
    const guarded = patched(TAILSCALE_QUORUM_PATCH);
    if (online === true || (online === undefined && guarded)) {
      if (online === undefined) run.note('check node', 'Tailscale status cannot be read: treating the node as online (its primary address answers)');
      return run.complete(`${node}: Tailscale already up (primary address answers); nothing changed`);
    }
    // The worker alone saw the Tailscale address dead: ask the cluster before anyone is asked to approve.
    const confirmed = await lookAgain(run, 'ask the cluster', node, { needPrimary: true });
    if (!confirmed.act) {
      for (const step of ['check cluster reachability', 'approve restart tailscale', 'look again', 'restart tailscale', 'verify tailscale online'] as const) run.skip(step, 'nothing changed');
      return run.complete(`${node}: ${confirmed.why}`);
    }
    await unreachableGuard(run, opts.unreachableFraction);
    // Primary dead: the fallback address carries a session that survives `tailscale down`.
    const path = look.via === 'fallback' ? 'over the fallback address' : 'detached from the SSH session';
    await run.approve('restart tailscale', 'high', `sudo tailscale down && sudo tailscale up on ${node}, ${path} (§4.2)`);
    // §11: the approval may be minutes old; with the slot held, the node as it is now decides.
    const unchanged = await slots.with(run, 'restart tailscale', node, opts.slotWaitMs, async () => {
      const now = await lookAgain(run, 'look again', node, { needPrimary: true });
      if (!now.act) return now.why;
      // `tailscale down` can take a voter off the mesh: count the quorum first, as a P2P stop does.
      if (guarded && !run.dryRun) await voterQuorumGuard(node);
      await restartTailscale(run, node, sessionVia(look));
      return undefined;
    });
    if (unchanged !== undefined) {
      run.skip('restart tailscale', 'nothing changed');
      run.skip('verify tailscale online', 'nothing changed');
      return run.complete(`${node}: ${unchanged}`);
    }
    if (!(await verifyOnline(run, node, opts.verifyTimeoutMs))) {
      throw new EscalationRequired([`${node}: Tailscale did not come back online after down/up`]);
    }
    return run.complete(run.dryRun ? `dry run: would restart Tailscale on ${node}` : `${node}: Tailscale restarted; primary address answers`);
  });
}

/** Tailscale's word on the node; undefined when Tailscale cannot be asked or does not know it. */
async function tailscaleOnline(node: string): Promise<boolean | undefined> {
  const view = await quick.tailscaleStatus({}).catch(() => undefined);
  return view?.peers.find((p) => p.name === node)?.online;
}

/** Polls until the primary (Tailscale) address answers and Tailscale shows the node online. */
async function verifyOnline(run: ProcedureRun<'verify tailscale online'>, node: string, timeoutMs: number): Promise<boolean> {
  const name = 'verify tailscale online';
  if (run.dryRun) {
    run.skip(name, 'dry run: would poll the primary address and tailscale status');
    return true;
  }
  return run.step(name, async () => {
    const deadline = Date.now() + timeoutMs;
    for (let poll = 1; ; poll++) {
      const r = await quick.p2pStatus({ node });
      // The primary (Tailscale) address answering is the proof; Tailscale must not contradict it.
      if (r.ok && r.via === 'primary' && (await tailscaleOnline(node)) !== false) {
        run.note(name, `primary address answers (poll ${poll})`);
        return true;
      }
      run.note(name, `poll ${poll}: ${r.ok ? `answers via ${r.via}` : (r.error ?? 'no answer')}`);
      if (Date.now() >= deadline) return false;
      await sleep(1000, { summary: `§4.2 next poll of ${node}'s primary address` });
    }
  });
}
