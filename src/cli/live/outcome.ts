// How a waited-for run ends on the terminal, shared by `runbook run --wait`, `runbook diagnose`
// and `runbook watch`: the result as text or JSON (DESIGN §5, §6), exit 1 when it failed or
// escalated (ProcedureFailedError for a failed run).
import { WorkflowFailedError } from '@temporalio/client';
import type { DiagnoseReport } from '../../domain/report.js';
import { ProcedureFailedError } from '../errors.js';
import { formatReport } from '../format.js';

export interface OutcomeOptions {
  /** The procedure (or workflow type) named in the messages. */
  procedure: string;
  workflowId: string;
  runId: string;
  url: string;
  json?: boolean;
  /** `runbook diagnose --json` prints the bare report (DESIGN §6), not the run wrapper. */
  bareJson?: boolean;
}

export type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

export function printOutcome(settled: Settled, o: OutcomeOptions): void {
  const { workflowId, runId, url } = o;
  if (!settled.ok) {
    const err = settled.error;
    if (err instanceof WorkflowFailedError) {
      const reason = rootCause(err);
      if (o.json) console.log(JSON.stringify({ workflowId, runId, url, status: 'failed', error: reason }));
      throw new ProcedureFailedError(`${o.procedure} failed: ${reason} (retry with: runbook retry ${workflowId})`);
    }
    throw err;
  }
  const result = settled.value as Record<string, unknown>;
  const status = statusOf(result);
  if (o.bareJson) {
    console.log(JSON.stringify(result, null, 2));
  } else if (o.json) {
    console.log(JSON.stringify({ workflowId, runId, url, status, result }, null, 2));
  } else if (typeof result === 'object' && result !== null && 'cluster' in result) {
    console.log(formatReport(result as unknown as DiagnoseReport));
  } else if (typeof result === 'object' && result !== null && 'summary' in result) {
    console.log(`${o.procedure}: ${String(result['status'])}: ${String(result['summary'])}`);
    if (result['escalation']) console.log(JSON.stringify(result['escalation'], null, 2));
  } else {
    // Workflows that are not procedures (the health monitor): their result as it is.
    console.log(`${o.procedure}: ${JSON.stringify(result, null, 2)}`);
  }
  if (status !== 'completed') process.exitCode = 1;
}

function statusOf(result: unknown): string {
  if (typeof result !== 'object' || result === null) return 'completed';
  const r = result as { status?: unknown; escalate?: { needed?: unknown } };
  if (typeof r.status === 'string') return r.status;
  return r.escalate?.needed === true ? 'escalated' : 'completed';
}

/** "Activity task failed" says little: the innermost cause names what went wrong. */
function rootCause(err: Error): string {
  let e: Error = err;
  while (e.cause instanceof Error) e = e.cause;
  const type = (e as { type?: string }).type;
  return type && !e.message.startsWith(type) ? `${type}: ${e.message}` : e.message;
}
