// One run of the diagnose workflow, started exactly as `runbook diagnose` starts it, with a
// bounded wait, and its history size read back afterwards.
import type { Client } from '@temporalio/client';
import { buildInput } from '../../src/client/procedures.js';
import { startWorkflow } from '../../src/client/start.js';
import type { DiagnoseReport } from '../../src/domain/report.js';
import { POLICY } from './bench-config.js';
import { type Phase, phasesOf } from './phases.js';

export interface DiagnoseRun {
  seconds: number;
  events: number;
  /** Where the time went (bench/lib/phases.ts). */
  phases: Phase[];
  /** Absent when the workflow failed; `error` says why. */
  report?: DiagnoseReport;
  error?: string;
}

/** Innermost message of a failure chain (WorkflowFailedError → ActivityFailure → TimeoutFailure …). */
function failureText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e && parts.length < 5; e = e.cause as typeof e) {
    if (e.message) parts.push(e.message);
  }
  return parts.join(' ← ') || String(err);
}

export async function runDiagnose(client: Client, taskQueue: string, label: string, timeoutS: number): Promise<DiagnoseRun> {
  const workflowId = `bench-diagnose-${label}-${process.pid}-${Date.now().toString(36)}`;
  const t0 = performance.now();
  const clientStart = Date.now();
  // What `runbook diagnose` sends: the policy's batch size and thresholds.
  const handle = await startWorkflow(client, 'diagnose', { taskQueue, workflowId, input: buildInput(POLICY, { requestedBy: 'bench' }) });
  let report: DiagnoseReport | undefined;
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutS * 1000)));
  try {
    const out = await Promise.race([handle.result(), timedOut]);
    if (out === 'timeout') {
      // Bounded wait, so a stuck activity (retries of a 2-minute start-to-close) cannot stall the bench.
      await handle.terminate(`bench: no result within ${timeoutS} s`);
      error = `no result within ${timeoutS} s (terminated)`;
    } else {
      report = out;
    }
  } catch (err) {
    error = failureText(err);
  } finally {
    clearTimeout(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  const clientEnd = Date.now();
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  return { seconds, events: events.length, phases: phasesOf(events, clientStart, clientEnd), ...(report && { report }), ...(error !== undefined && { error }) };
}

/** "host-down×125, tailscale-down×3" */
export function kindCounts(report: DiagnoseReport | undefined): string {
  if (report === undefined) return 'no report';
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return counts.size === 0 ? 'no findings' : [...counts].map(([k, n]) => `${k}×${n}`).join(', ');
}
