// update-hosts (runbook §4.6): instead of `vim config/distributed_hosts.yaml`, detect changed
// addresses from Tailscale (peers matched by Tailscale IP or MagicDNS name, never HostName
// alone), propose the patch, get approval, write it atomically (temp file validated before the
// rename, backup kept), and verify the nodes answer on their new addresses.
import type { ProcedureResult } from '../src/domain/procedure-input.js';
import { type RecoveryInput, recoveryOptions } from './recovery-input.js';
import { mutate, quick } from './runtime/activities.js';
import { errorText } from './runtime/error-text.js';
import { unreachableGuard } from './runtime/guard.js';
import { EscalationRequired } from './runtime/procedure.js';
import { runProcedure } from './runtime/run-procedure.js';

/** The steps progress shows from the start. */
const PLAN = ['detect address changes', 'propose patch', 'approve write hosts file', 'write hosts file', 'verify new addresses'] as const;
/** Beyond the plan: the §6.1 reachability check, shown when the patch is about to be written. */
type Step = (typeof PLAN)[number] | 'check cluster reachability';

export async function updateHosts(input: RecoveryInput): Promise<ProcedureResult> {
  const opts = recoveryOptions(input);
  return runProcedure<Step>('update-hosts', input, PLAN, async (run) => {
    const detected = await run.step('detect address changes', () => quick.detectAddressChanges({}));
    // A device picks its own Tailscale HostName: when several claim a node, nobody can say which
    // address is the node's (a rogue peer can name itself like an offline node), so a human decides.
    // Old histories have no conflicts.
    const contested = (detected.conflicts ?? []).filter((c) => input.node === undefined || c.node === input.node);
    if (contested.length > 0) {
      run.note('detect address changes', `${contested.length} node(s) claimed by several tailnet devices`);
      throw new EscalationRequired(
        contested.map(
          (c) =>
            `several tailnet devices claim ${c.node}: ${c.peers.join('; ')}; hosts file untouched ` +
            '(remove the impostor or stale device in the Tailscale admin console, or edit the hosts file by hand)',
        ),
      );
    }
    const changes = input.node !== undefined ? detected.changes.filter((c) => c.node === input.node) : detected.changes;
    if (changes.length === 0) {
      run.note('detect address changes', 'Tailscale and the hosts file agree');
      return run.complete('no address changes; hosts file untouched');
    }
    const diff = changes.map((c) => `${c.node}: ${c.from} → ${c.to}`).join(', ');
    run.note('detect address changes', `${changes.length} change(s)`);
    await run.step('propose patch', async () => undefined, { detail: diff });
    await unreachableGuard(run, opts.unreachableFraction);
    await run.approve('write hosts file', 'high', `write ${detected.file}: ${diff}`);
    const written = await run
      .step('write hosts file', () => mutate.applyHostsPatch({ changes, expectedSha256: detected.sha256 }), {
        mutating: true,
        detail: `atomic write of ${detected.file}, backup kept`,
      })
      .catch((err: unknown) => {
        throw new EscalationRequired([`hosts file not updated: ${errorText(err)}`]);
      });
    if (written) run.note('write hosts file', `written; backup ${written.backup}`);
    if (run.dryRun) return run.complete(`dry run: would write ${diff}`);

    const stillDark = await run.step('verify new addresses', async () => {
      const results = await Promise.all(changes.map(async (c) => ({ c, r: await quick.p2pStatus({ node: c.node }) })));
      return results.filter(({ r }) => !(r.ok && r.via === 'primary')).map(({ c }) => c.node);
    });
    if (stillDark.length > 0) {
      throw new EscalationRequired([`hosts file updated but ${stillDark.join(', ')} still not answering on the new address`]);
    }
    return run.complete(`hosts file updated (${diff}); every changed node answers on its new address`);
  });
}
