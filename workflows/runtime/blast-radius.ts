// Procedure side of the blast-radius semaphore: ask for a slot before mutating a node, give it
// back when done (also when the procedure fails or is cancelled). Hold it only around the
// mutation and its verification, never across a human approval.
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  acquireSlotSignal,
  DEFAULT_SLOTS_WORKFLOW_ID,
  releaseSlotSignal,
  remediationSlots,
  slotGrantedSignal,
} from '../slots.js';
import { EscalationRequired, type ProcedureRun } from './procedure.js';

export class RemediationSlots {
  private readonly granted = new Set<string>();
  private requests = 0;

  constructor(
    private readonly limit: number,
    private readonly id: string = DEFAULT_SLOTS_WORKFLOW_ID,
  ) {
    setHandler(slotGrantedSignal, ({ requestId }) => {
      this.granted.add(requestId);
    });
  }

  /** Holds a slot for `node` while `fn` runs. Waits at most `waitMs` for a free slot. */
  async with<T>(run: ProcedureRun, stepName: string, node: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    if (run.dryRun) return fn(); // nothing is mutated, so no slot is taken
    const id = this.id;
    await ensureSemaphore(id);
    const info = workflowInfo();
    // The run id makes grants of an earlier run (re-applied by a reset) match nothing here.
    const requestId = `${info.runId}:${node}#${++this.requests}`;
    run.note(stepName, `waiting for a remediation slot for ${node} (at most ${this.limit} nodes at once)`);
    await getExternalWorkflowHandle(id).signal(acquireSlotSignal, { requestId, holder: info.workflowId, node, limit: this.limit });
    const got = await condition(() => this.granted.has(requestId), waitMs);
    try {
      if (!got) {
        throw new EscalationRequired([
          `no remediation slot for ${node} within ${Math.round(waitMs / 1000)} s (blast radius limit ${this.limit})`,
        ]);
      }
      return await fn();
    } finally {
      this.granted.delete(requestId);
      await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(id).signal(releaseSlotSignal, { requestId }));
    }
  }
}

async function ensureSemaphore(id: string): Promise<void> {
  try {
    await startChild(remediationSlots, {
      workflowId: id,
      args: [{}],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
