// `runbook status`'s reading side: the progress query, and for an ended run its result (the
// escalation reasons, the summary) or why it failed; for an incident, its children's live
// states from visibility (a child waiting for approval is `running` in the incident's own list).
import type { Client } from '@temporalio/client';
import type { Progress } from '../domain/progress.js';
import type { ProcedureResult } from '../domain/procedure-input.js';
import { progressQuery } from '../../workflows/messages.js';
import { RunbookAwaitingApproval, RunbookOutcome } from '../temporal/search-attributes.js';
import { temporalClient } from '../temporal/sdk-require.js';
import { UsageError } from './errors.js';
import type { StatusView } from './format.js';
import { rowStatus } from './list-filters.js';

export async function readStatusView(client: Client, workflowId: string): Promise<StatusView> {
  const handle = client.workflow.getHandle(workflowId);
  let progress: Progress;
  let running: boolean;
  try {
    running = (await handle.describe()).status.name === 'RUNNING';
    progress = await handle.query(progressQuery);
  } catch (err) {
    throw new UsageError(`cannot query ${workflowId}: ${(err as Error).message}`);
  }
  const view: StatusView = { workflowId, progress };
  if (!running) {
    try {
      const result = (await handle.result()) as ProcedureResult;
      view.result = {
        status: result.status,
        summary: result.summary,
        ...(result.escalation && { escalation: { reasons: result.escalation.reasons } }),
      };
    } catch (err) {
      view.failure = err instanceof temporalClient().WorkflowFailedError && err.cause ? err.cause.message : (err as Error).message;
    }
  }
  if (progress.children && progress.children.length > 0) view.children = await liveChildren(client, workflowId, progress.children);
  return view;
}

async function liveChildren(client: Client, parentId: string, children: NonNullable<Progress['children']>): Promise<NonNullable<StatusView['children']>> {
  const live = new Map<string, string>();
  try {
    for await (const wf of client.workflow.list({ query: `ParentWorkflowId = "${parentId.replaceAll('"', '')}"` })) {
      const sa = wf.typedSearchAttributes;
      live.set(wf.workflowId, rowStatus(wf.status.name, sa.get(RunbookOutcome), sa.get(RunbookAwaitingApproval)));
    }
  } catch {
    // Visibility unavailable: the incident's own record of its children still shows.
  }
  return children.map((c) => {
    const now = live.get(c.workflowId);
    // The incident updates a child's status when the child returns; until then visibility knows more.
    return c.status === 'running' && now !== undefined ? { ...c, liveStatus: now } : c;
  });
}
