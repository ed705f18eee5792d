// Runs a procedure body with the shared ending: EscalationRequired becomes an `escalated`
// result carrying the §6.2 bundle, and notifies (§6); any other error marks the run failed and fails it (so
// `runbook retry` can reset it to before the failed step).
import type { ProcedureInput, ProcedureResult } from '../../src/domain/procedure-input.js';
import { gatherEscalation } from './escalation.js';
import { notifyEscalation } from './notify-escalation.js';
import { EscalationRequired, ProcedureRun } from './procedure.js';

export async function runProcedure<T>(
  name: string,
  input: ProcedureInput,
  body: (run: ProcedureRun) => Promise<ProcedureResult<T>>,
): Promise<ProcedureResult<T>> {
  const run = new ProcedureRun(name, input);
  try {
    return await body(run);
  } catch (err) {
    if (err instanceof EscalationRequired) {
      const gathered = await gatherEscalation(err.reasons, run.progress, input.node !== undefined ? [input.node] : []);
      const bundle = { ...gathered, ...err.bundle, reasons: err.reasons };
      await notifyEscalation(run, name, input, bundle);
      return run.escalated(err, bundle);
    }
    run.markFailed();
    throw err;
  }
}
