// Replays a history against the current workflow code (the same bundle the worker runs).
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { prebuiltBundle, WORKFLOWS_PATH } from './worker.js';

export type ReplayOutcome = { ok: true } | { ok: false; error: string };

function asHistory(h: unknown): temporal.api.history.v1.IHistory {
  // Histories exported as JSON (CLI, Web UI) use proto3 JSON; fetched ones are already objects.
  const events = (h as { events?: unknown[] }).events;
  const first = events?.[0] as { eventType?: unknown } | undefined;
  return typeof first?.eventType === 'string' ? historyFromJSON(h) : (h as temporal.api.history.v1.IHistory);
}

export async function replayHistory(workflowId: string, history: unknown): Promise<ReplayOutcome> {
  try {
    // The compiled build replays against its prebuilt bundle: exactly what its worker runs.
    const bundle = prebuiltBundle();
    await Worker.runReplayHistory(bundle ? { workflowBundle: bundle } : { workflowsPath: WORKFLOWS_PATH }, asHistory(history), workflowId);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
