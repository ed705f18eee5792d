// The webhook's view of approval gates: what a run waits for, and the validated `decide` update
// (DESIGN §12). Over the Temporal client here; a test may put a stand-in beside it.
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { PendingApproval } from '../domain/progress.js';
import { decideUpdate, type DecideInput, type DecideResult, progressQuery } from '../../workflows/messages.js';

export type DecideOutcome = { ok: true; result: DecideResult } | { ok: false; refused: string };

export interface ApprovalGates {
  /** The gate the run waits on now; undefined when none (decided, timed out, run over or unknown). */
  pending(workflowId: string, runId: string): Promise<PendingApproval | undefined>;
  decide(workflowId: string, runId: string, input: DecideInput): Promise<DecideOutcome>;
}

const closed = (err: unknown): boolean =>
  err instanceof WorkflowNotFoundError || (err instanceof Error && /not found|completed|already finished|closed/i.test(err.message));

export function temporalGates(client: Client): ApprovalGates {
  return {
    async pending(workflowId, runId) {
      try {
        return (await client.workflow.getHandle(workflowId, runId).query(progressQuery)).pendingApproval;
      } catch (err) {
        if (closed(err)) return undefined;
        throw err;
      }
    },
    async decide(workflowId, runId, input) {
      try {
        return { ok: true, result: await client.workflow.getHandle(workflowId, runId).executeUpdate(decideUpdate, { args: [input] }) };
      } catch (err) {
        // The validator's refusal (not waiting, decided meanwhile, same approver twice) is the answer.
        if (err instanceof WorkflowUpdateFailedError) return { ok: false, refused: err.cause?.message ?? err.message };
        if (closed(err)) return { ok: false, refused: 'the run is over' };
        throw err;
      }
    },
  };
}
