// Follows a workflow until it closes, showing its steps as they happen (not silence, then one line): polls
// the `progress` query, draws each poll through a sink (live-sink.ts), and returns how the run
// settled. Ctrl-C stops watching and exits 130; it never cancels the workflow.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Progress } from '../../domain/progress.js';
import { progressQuery } from '../../../workflows/messages.js';
import type { Settled } from './outcome.js';
import type { ProgressSink } from './live-sink.js';

/** Exit code after Ctrl-C: 128 + SIGINT, what shells report for an interrupted command. */
export const EXIT_INTERRUPTED = 130;

/** Often enough to look live, rare enough to cost the server nothing (one query per poll). */
const POLL_MS = 500;
/** A query needs a worker to answer; without one, give up on this poll and try the next. */
const QUERY_DEADLINE_MS = 5_000;

export async function watchUntilClosed(client: Client, handle: WorkflowHandle, workflowId: string, sink: ProgressSink): Promise<Settled> {
  let settled: Settled | undefined;
  const closed = handle.result().then(
    (value: unknown) => (settled = { ok: true, value }),
    (error: unknown) => (settled = { ok: false, error }),
  );
  const onSigint = (): void => {
    sink.stop();
    process.stderr.write(
      `\nstopped watching; ${workflowId} goes on (Ctrl-C never cancels it).\n` + `  resume with: runbook watch ${workflowId}\n`,
    );
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSigint);
  try {
    while (settled === undefined) {
      const p = await queryProgress(client, handle);
      if (p) sink.show(p);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, POLL_MS)))]);
      clearTimeout(timer);
    }
    // The final steps: a closed run still answers the query while a worker runs.
    const last = await queryProgress(client, handle);
    if (last) sink.show(last);
    sink.stop();
    return settled;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function queryProgress(client: Client, handle: WorkflowHandle): Promise<Progress | undefined> {
  try {
    return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(progressQuery));
  } catch {
    // No worker yet, or a workflow without the query (the health monitor): nothing to draw.
    return undefined;
  }
}
