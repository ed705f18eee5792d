// Waiting for a run the way `runbook run --wait`, `runbook diagnose` and `runbook watch` do:
// the live view on stderr while it runs, then the result on stdout exactly as before.
import { userInfo } from 'node:os';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createSink, liveMode } from './live-sink.js';
import { printOutcome, type OutcomeOptions } from './outcome.js';
import { watchUntilClosed } from './watch-run.js';

export async function followToOutcome(client: Client, handle: WorkflowHandle, o: OutcomeOptions): Promise<void> {
  const sink = createSink(liveMode(process.stdout, process.stderr), { workflowId: o.workflowId, approver: currentUser() });
  const settled = await watchUntilClosed(client, handle, o.workflowId, sink);
  printOutcome(settled, o);
}

/** The name the printed approve command puts after --by: whoever is watching. */
function currentUser(): string {
  try {
    return process.env['USER'] ?? userInfo().username;
  } catch {
    return 'YOUR_NAME';
  }
}
