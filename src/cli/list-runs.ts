// `runbook list`'s reading side: one visibility query (list-filters.ts), newest first, and for
// the runs that wait for a human, the step they wait on (the progress query).
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { progressQuery } from '../../workflows/messages.js';
import { RunbookAwaitingApproval, RunbookNode, RunbookOutcome, RunbookProcedure } from '../temporal/search-attributes.js';
import type { ListedRun } from './format.js';
import type { ListFilters } from './list-filters.js';
import { rowStatus, visibilityQuery } from './list-filters.js';
import { newestFirst } from './newest-first.js';

/** How long the progress query of one waiting run may take before its step shows as `?`. */
const WAITING_STEP_QUERY_MS = 5_000;

export async function listRuns(client: Client, filters: ListFilters): Promise<ListedRun[]> {
  const runs = await newestFirst(rows(client.workflow.list({ query: visibilityQuery(filters) })), filters.limit);
  // The step name is in no search attribute: ask the workflows that wait (a worker answers).
  await Promise.all(
    runs
      .filter((r) => r.status === 'awaiting-approval')
      .map(async (r) => {
        try {
          const p = await client.withDeadline(Date.now() + WAITING_STEP_QUERY_MS, () =>
            client.workflow.getHandle(r.workflowId).query(progressQuery),
          );
          if (p.pendingApproval) r.waitingOn = p.pendingApproval.step;
        } catch {
          // No worker answered: the table shows `?`, the JSON leaves waitingOn out.
        }
      }),
  );
  return runs;
}

async function* rows(infos: AsyncIterable<WorkflowExecutionInfo>): AsyncIterable<ListedRun> {
  for await (const wf of infos) {
    const sa = wf.typedSearchAttributes;
    yield {
      workflowId: wf.workflowId,
      procedure: sa.get(RunbookProcedure) ?? wf.type,
      node: sa.get(RunbookNode) ?? null,
      status: rowStatus(wf.status.name, sa.get(RunbookOutcome), sa.get(RunbookAwaitingApproval)),
      startedAt: wf.startTime.toISOString(),
      ...(wf.closeTime !== undefined && { closedAt: wf.closeTime.toISOString() }),
      ...(wf.parentExecution?.workflowId && { parentWorkflowId: wf.parentExecution.workflowId }),
    };
  }
}
