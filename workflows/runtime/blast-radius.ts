// Procedure side of the blast-radius semaphore: ask for a slot before mutating a node, give it
// back when done (also when the procedure fails or is cancelled). Hold it only around the
// mutation and its verification, never across a human approval; renew its lease while held.
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  acquireSlotSignal,
  DEFAULT_LEASE_MS,
  DEFAULT_SLOTS_WORKFLOW_ID,
  releaseSlotSignal,
  remediationSlots,
  renewSlotSignal,
  slotGrantedSignal,
} from '../slots.js';
import { quick } from './activities.js';
import { EscalationRequired, type ProcedureRun } from './procedure.js';

/**
 * `patched()` ids of this module. Histories written before them replay with the old commands:
 * request ids from the run id, no voter look-up, no lease renewal.
 */
export const SLOT_PATCHES = {
  /** Request ids survive `runbook retry` (a reset) and continue-as-new (issue 11 item 2). */
  stableRequestId: 'slot-request-id-first-run',
  /** Look up whether the node is a voter, so the semaphore serializes voter changes (item 3). */
  voterAware: 'slot-voter-aware',
  /** Renew the lease while the change runs, so it cannot run out under a slow stage (item 11). */
  leaseRenewal: 'slot-lease-renewal',
} as const;

export class RemediationSlots {
  /** Granted request ids, with the lease the semaphore gave (absent from older semaphores). */
  private readonly granted = new Map<string, number | undefined>();
  private requests = 0;

  constructor(
    private readonly limit: number,
    private readonly id: string = DEFAULT_SLOTS_WORKFLOW_ID,
  ) {
    setHandler(slotGrantedSignal, ({ requestId, leaseMs }) => {
      this.granted.set(requestId, leaseMs);
    });
  }

  /** Holds a slot for `node` while `fn` runs. Waits at most `waitMs` for a free slot. */
  async with<S extends string, T>(run: ProcedureRun<S>, stepName: S, node: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    if (run.dryRun) return fn(); // nothing is mutated, so no slot is taken
    const id = this.id;
    await ensureSemaphore(id);
    const info = workflowInfo();
    // A reset (`runbook retry`) gives the run a new run id but replays the old grant; the first
    // run id of the chain stays, so the replayed grant still matches this request.
    const runKey = patched(SLOT_PATCHES.stableRequestId) ? info.firstExecutionRunId : info.runId;
    const requestId = `${runKey}:${node}#${++this.requests}`;
    const voter = patched(SLOT_PATCHES.voterAware) ? (await quick.clusterInfo({})).voters.includes(node) : undefined;
    run.note(stepName, `waiting for a remediation slot for ${node} (at most ${this.limit} nodes at once, one change per node${voter ? ', one voter at a time' : ''})`);
    await getExternalWorkflowHandle(id).signal(acquireSlotSignal, {
      requestId,
      holder: info.workflowId,
      node,
      limit: this.limit,
      ...(voter !== undefined && { voter }),
    });
    const got = await condition(() => this.granted.has(requestId), waitMs, { summary: `blast radius: wait for a remediation slot for ${node}` });
    let done = false;
    let renewing: Promise<void> | undefined;
    try {
      if (!got) {
        throw new EscalationRequired([
          `no remediation slot for ${node} within ${Math.round(waitMs / 1000)} s (blast radius limit ${this.limit})`,
        ]);
      }
      if (patched(SLOT_PATCHES.leaseRenewal)) {
        const every = Math.max(1_000, Math.floor((this.granted.get(requestId) ?? DEFAULT_LEASE_MS) / 3));
        renewing = renewWhileHeld(id, requestId, every, () => done);
      }
      return await fn();
    } finally {
      done = true;
      this.granted.delete(requestId);
      await renewing?.catch(() => undefined);
      await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(id).signal(releaseSlotSignal, { requestId }));
    }
  }
}

/** Renews the lease every `everyMs` until `done()`; a lost renewal is retried at the next turn. */
async function renewWhileHeld(id: string, requestId: string, everyMs: number, done: () => boolean): Promise<void> {
  while (!(await condition(done, everyMs, { summary: `blast radius: renew the slot lease ${requestId}` }))) {
    await getExternalWorkflowHandle(id)
      .signal(renewSlotSignal, { requestId })
      .catch(() => undefined);
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
