// What `runbook postmortem` does: fetch the run's history and, following its child-workflow
// events, its children's; build the draft (src/postmortem, pure); print or write it. Reads only
// Temporal, never the cluster; a history is all it needs, so a closed run needs no worker.
import { writeFileSync } from 'node:fs';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type proto from '@temporalio/proto';
import { connectClient } from '../../client/connect.js';
import { childWorkflowIds, postmortemOf, renderPostmortem } from '../../postmortem/index.js';
import { UsageError } from '../errors.js';

type History = proto.temporal.api.history.v1.IHistory;

/** gRPC NOT_FOUND, however the SDK wrapped it. */
function notFound(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof WorkflowNotFoundError || (e as { code?: unknown }).code === 5) return true;
  }
  return false;
}

/** Bounds the walk: an incident has a few dozen children; a loop of IDs must not spin. */
const MAX_HISTORIES = 500;

async function fetchTree(client: Client, rootId: string, namespace: string): Promise<Map<string, History>> {
  const histories = new Map<string, History>();
  const todo = [rootId];
  while (todo.length > 0 && histories.size < MAX_HISTORIES) {
    const id = todo.shift()!;
    let history: History;
    try {
      history = await client.workflow.getHandle(id).fetchHistory();
    } catch (err) {
      if (!notFound(err)) throw err;
      if (id === rootId) throw new UsageError(`no workflow "${rootId}" in namespace ${namespace} (runbook list shows the runs)`);
      // A child past the namespace's retention: the draft goes on without it, and says so.
      console.error(`runbook: the history of child ${id} is gone (retention); the draft leaves it out`);
      continue;
    }
    histories.set(id, history);
    for (const c of childWorkflowIds(history)) if (!histories.has(c) && !todo.includes(c)) todo.push(c);
  }
  return histories;
}

export async function writePostmortem(workflowId: string, flags: { out?: string; json?: boolean }): Promise<void> {
  const { client, settings } = await connectClient();
  const histories = await fetchTree(client, workflowId, settings.namespace);
  const model = postmortemOf(workflowId, histories);
  const text = flags.json ? `${JSON.stringify(model, null, 2)}\n` : renderPostmortem(model);
  if (flags.out === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(flags.out, text);
  } catch (err) {
    throw new UsageError(`cannot write ${flags.out}: ${(err as Error).message}`);
  }
  console.log(`wrote the postmortem draft of ${workflowId} to ${flags.out}`);
}
