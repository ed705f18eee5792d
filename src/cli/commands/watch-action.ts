// What `runbook watch` does: find the workflow (a clear error when there is none), follow it to
// its end with the live view, print its result as `run --wait` would.
import { WorkflowNotFoundError } from '@temporalio/client';
import { connectClient } from '../../client/connect.js';
import { RunbookProcedure } from '../../temporal/search-attributes.js';
import { workflowUrl } from '../../temporal/settings.js';
import { UsageError } from '../errors.js';
import { followToOutcome } from '../live/follow.js';

export async function watchWorkflow(workflowId: string, flags: { json?: boolean }): Promise<void> {
  const { client, settings } = await connectClient();
  const handle = client.workflow.getHandle(workflowId);
  let described;
  try {
    described = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new UsageError(`no workflow "${workflowId}" in namespace ${settings.namespace} (runbook list shows the procedures)`);
    }
    throw err;
  }
  const url = workflowUrl(settings, workflowId, described.runId);
  if (!flags.json) console.error(`watching ${workflowId}\n  ${url}`);
  await followToOutcome(client, handle, {
    procedure: described.typedSearchAttributes.get(RunbookProcedure) ?? described.type,
    workflowId,
    runId: described.runId,
    url,
    ...(flags.json && { json: true }),
  });
}
