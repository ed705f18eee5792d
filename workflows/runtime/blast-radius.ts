// Procedure side of the blast-radius semaphore: ask for a slot before mutating a node, give it
// back when done (also when the procedure fails or is cancelled).
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
  releaseSlotSignal,
  remediationSlots,
  DEFAULT_SLOTS_WORKFLOW_ID,
  slotGrantedSignal,
} from '../slots.js';
import { EscalationRequired, type ProcedureRun } from './procedure.js';

export class RemediationSlots {
  private readonly granted = new Set<string>();

  constructor(
    private readonly limit: number,
    private readonly id: string = DEFAULT_SLOTS_WORKFLOW_ID,
  ) {
    setHandler(slotGrantedSignal, ({ node }) => {
      this.granted.add(node);
    });
  }

  /** Holds a slot for `node` while `fn` runs. Waits at most `waitMs` for a free slot. */
  async with<T>(run: ProcedureRun, stepName: string, node: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    if (run.dryRun) return fn(); // nothing is mutated, so no slot is taken
    const id = this.id;
    await ensureSemaphore(id);
    const holder = workflowInfo().workflowId;
    run.note(stepName, `waiting for a remediation slot for ${node} (at most ${this.limit} nodes at once)`);
    await getExternalWorkflowHandle(id).signal(acquireSlotSignal, { holder, node, limit: this.limit });
    if (!(await condition(() => this.granted.has(node), waitMs))) {
      await release(id, holder, node);
      throw new EscalationRequired([`no remediation slot for ${node} within ${Math.round(waitMs / 1000)} s (blast radius limit ${this.limit})`]);
    }
    try {
      return await fn();
    } finally {
      this.granted.delete(node);
      await CancellationScope.nonCancellable(() => release(id, holder, node));
    }
  }
}

async function release(id: string, holder: string, node: string): Promise<void> {
  await getExternalWorkflowHandle(id).signal(releaseSlotSignal, { holder, node });
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
