// Replays a history against the current workflow code (the same bundle the worker runs).
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { RunbookLogger } from '../logging/logger.js';
import { installWorkerRuntime } from './runtime.js';
import { prebuiltBundle, WORKFLOWS_PATH } from './worker.js';

export type ReplayOutcome = { ok: true } | { ok: false; error: string };

function asHistory(h: unknown): temporal.api.history.v1.IHistory {
  // Histories exported as JSON (CLI, Web UI) use proto3 JSON; fetched ones are already objects.
  const events = (h as { events?: unknown[] }).events;
  const first = events?.[0] as { eventType?: unknown } | undefined;
  return typeof first?.eventType === 'string' ? historyFromJSON(h) : (h as temporal.api.history.v1.IHistory);
}

/**
 * The SDK logs webpack's whole bundle report and every replay worker state change at INFO, and
 * Core a WARN "Failing workflow task" that repeats the verdict. Quiet keeps errors only (a
 * bundle that does not build still explains itself); verbose keeps everything.
 * Call once, before the first replay: the SDK runtime is installed once per process.
 */
export function installReplayRuntime(verbose: boolean): void {
  installWorkerRuntime({ logger: new RunbookLogger({ format: 'text', level: verbose ? 'INFO' : 'ERROR' }) });
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
