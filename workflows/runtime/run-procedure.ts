// Runs a procedure body with the shared start and ending: the plan shown as pending steps;
// EscalationRequired becomes an `escalated` result carrying the §6.2 bundle, and notifies (§6);
// any other error marks the run failed and fails it (so `runbook retry` can reset it to before
// the failed step).
import { patched } from '@temporalio/workflow';
import type { ProcedureInput, ProcedureResult } from '../../src/domain/procedure-input.js';
import { gatherEscalation } from './escalation.js';
import { notifyEscalation } from './notify-escalation.js';
import { EscalationRequired, ProcedureRun } from './procedure.js';

/**
 * `plan` names the steps shown up front; `S` may name more (steps added on the way), given
 * explicitly: `runProcedure<Step>(…)`. The body ends with `run.complete` or `run.escalate`.
 */
export async function runProcedure<S extends string>(
  name: string,
  input: ProcedureInput,
  plan: readonly S[],
  body: (run: ProcedureRun<S>) => Promise<ProcedureResult>,
): Promise<ProcedureResult> {
  const run = startRun(name, input, plan);
  try {
    const result = await body(run);
    // Approval events still in flight: a closed run would drop them unsent.
    await run.noticesSent();
    return result;
  } catch (err) {
    if (err instanceof EscalationRequired) {
      const gathered = await gatherEscalation(err.reasons, run.progress, input.node !== undefined ? [input.node] : []);
      const bundle = { ...gathered, ...err.bundle, reasons: err.reasons };
      // 'notify' is a step of every procedure's ending, outside any plan.
      await notifyEscalation(run as unknown as ProcedureRun<'notify'>, name, input, bundle);
      await run.noticesSent();
      return run.escalate(err.message, bundle);
    }
    await run.noticesSent();
    run.fail();
    throw err;
  }
}

/**
 * The same for a procedure whose result is a report (diagnose): the report itself says whether
 * to escalate, so the body ends the run with `complete` or `escalate` and returns the report.
 * `failedOutcomePatch`: patched() id guarding the failed outcome (a search-attribute command),
 * because diagnose's released histories failed without it.
 */
export async function runReport<S extends string, R>(
  name: string,
  input: ProcedureInput,
  plan: readonly S[],
  body: (run: ProcedureRun<S>) => Promise<R>,
  failedOutcomePatch: string,
): Promise<R> {
  const run = startRun(name, input, plan);
  try {
    return await body(run);
  } catch (err) {
    if (patched(failedOutcomePatch)) run.fail();
    throw err;
  }
}

function startRun<S extends string>(name: string, input: ProcedureInput, plan: readonly S[]): ProcedureRun<S> {
  const run = new ProcedureRun<S>(name, input);
  run.plan(plan);
  return run;
}
