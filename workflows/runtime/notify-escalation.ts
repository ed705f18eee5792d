// §6 an escalation reaches a person: the one place a procedure's `escalated` ending notifies
// (DESIGN §9). The workflow ID is the dedup key, so one procedure run pages once.
import { patched, workflowInfo } from '@temporalio/workflow';
import { describeDeliveries } from '../../src/domain/notification.js';
import type { EscalationBundle, ProcedureInput } from '../../src/domain/procedure-input.js';
import { notifying } from './activities.js';
import { errorText } from './error-text.js';
import type { ProcedureRun } from './procedure.js';

/** patched() id: escalated procedures notify (histories recorded before end without the activity). */
export const NOTIFY_ON_ESCALATION = 'notify-on-escalation';

export async function notifyEscalation(run: ProcedureRun<'notify'>, name: string, input: ProcedureInput, bundle: EscalationBundle): Promise<void> {
  // A dry run pages nobody; a caller that notifies itself (monitor, incident) said so.
  if (input.notify === false || input.dryRun === true) return;
  if (!patched(NOTIFY_ON_ESCALATION)) return;
  const source = input.node ?? 'cluster';
  await run
    .step('notify', async () => {
      const r = await notifying.notify({
        dedupKey: workflowInfo().workflowId,
        action: 'trigger',
        summary: `${name} on ${source} escalated: ${bundle.reasons.join('; ')}`,
        severity: 'critical',
        source,
        procedure: name,
        workflowId: workflowInfo().workflowId,
        bundle,
      });
      run.note('notify', describeDeliveries(r));
    })
    .catch((err: unknown) => run.note('notify', `notify failed: ${errorText(err)}`));
}
