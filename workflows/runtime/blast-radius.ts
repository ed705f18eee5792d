// Procedure side of the blast-radius semaphore: ask for a slot before mutating a node, give it
// back when done (also when the procedure fails or is cancelled). Hold it only around the
// mutation and its verification, never across a human approval; renew its lease while held.
// Each request carries a secret key made here (workflow randomness: never in a query or a UI
// field); a grant counts only with that key, and only that key releases or renews the slot.
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  setDefaultSignalHandler,
  startChild,
  uuid4,
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
  type SlotGrant,
  slotGrantedSignal,
  type SlotRelease,
} from '../slots.js';
import { quick } from './activities.js';
import { EscalationRequired, type ProcedureRun } from './procedure.js';

/**
 * `patched()` ids of this module. Histories written before them replay with the old commands:
 * request ids from the run id, no voter look-up, no lease renewal.
 */
export const SLOT_PATCHES = {
  /** Request ids survive `runbook retry` (a reset) and continue-as-new: an id from the run id
   * never matched its replayed grant after a reset, and the run failed as nondeterministic. */
  stableRequestId: 'slot-request-id-first-run',
  /** Look up whether the node is a voter, so the semaphore serializes voter changes: two procedures
   * each counting 4 of 5 voters alive could both stop one and leave no majority. */
  voterAware: 'slot-voter-aware',
  /** Renew the lease while the change runs, so it cannot run out under a slow stage. */
  leaseRenewal: 'slot-lease-renewal',
  /** Each request carries a secret key; only a grant with it counts (forged grants are ignored). */
  secretKey: 'slot-secret-key',
} as const;

interface Granted {
  leaseMs: number | undefined;
}

export class RemediationSlots {
  /** Grants received, by request id, with the lease the semaphore gave (absent from older semaphores). */
  private readonly granted = new Map<string, Granted>();
  /** Requests asked for and not yet given back, with their keys: any other grant is dropped. */
  private readonly asked = new Map<string, string | undefined>();
  private requests = 0;

  constructor(
    private readonly limit: number,
    private readonly id: string = DEFAULT_SLOTS_WORKFLOW_ID,
  ) {
    // The default handler, not a named one: the Web UI's Send-a-Signal dialog lists named
    // handlers, and `slot-granted` is plumbing between workflows, never an operator's message.
    setDefaultSignalHandler((name, ...args) => {
      const g = args[0] as Partial<SlotGrant> | undefined;
      if (name !== slotGrantedSignal.name || typeof g?.requestId !== 'string') {
        log.warn('ignoring a signal no handler takes', { name: name.slice(0, 100) });
        return;
      }
      // Only for a request this run is waiting on, and (requests made with a key) only with its
      // key: a forged grant, or the old run's grant a reset re-applied, is dropped unread.
      if (!this.asked.has(g.requestId) || this.granted.has(g.requestId)) return;
      const key = this.asked.get(g.requestId);
      if (key !== undefined && g.key !== key) {
        log.warn('ignoring a slot grant without the request\'s key', { requestId: g.requestId });
        return;
      }
      this.granted.set(g.requestId, { leaseMs: typeof g.leaseMs === 'number' ? g.leaseMs : undefined });
    });
  }

  /** Holds a slot for `node` while `fn` runs. Waits at most `waitMs` for a free slot. */
  async with<S extends string, T>(run: ProcedureRun<S>, stepName: S, node: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    if (run.dryRun) return fn(); // nothing is mutated, so no slot is taken
    const id = this.id;
    await ensureSemaphore(id, this.limit);
    const info = workflowInfo();
    // A reset (`runbook retry`) gives the run a new run id but replays the old grant; the first
    // run id of the chain stays, so the replayed grant still matches this request.
    const runKey = patched(SLOT_PATCHES.stableRequestId) ? info.firstExecutionRunId : info.runId;
    const requestId = `${runKey}:${node}#${++this.requests}`;
    const voter = patched(SLOT_PATCHES.voterAware) ? (await quick.clusterInfo({})).voters.includes(node) : undefined;
    // Made from the workflow's seeded randomness: a replay makes the same key. After a reset the
    // seed is the new run's, so a reset run that asks again gets a new key, and a grant the old
    // run received (re-applied by the reset) no longer counts.
    const key = patched(SLOT_PATCHES.secretKey) ? uuid4() : undefined;
    this.asked.set(requestId, key);
    run.note(stepName, `waiting for a remediation slot for ${node} (at most ${this.limit} nodes at once, one change per node${voter ? ', one voter at a time' : ''})`);
    await getExternalWorkflowHandle(id).signal(acquireSlotSignal, {
      requestId,
      holder: info.workflowId,
      node,
      limit: this.limit,
      ...(voter !== undefined && { voter }),
      ...(key !== undefined && { key }),
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
        const every = Math.max(1_000, Math.floor((this.granted.get(requestId)?.leaseMs ?? DEFAULT_LEASE_MS) / 3));
        renewing = renewWhileHeld(id, { requestId, ...(key !== undefined && { key }) }, every, () => done);
      }
      return await fn();
    } finally {
      done = true;
      this.granted.delete(requestId);
      this.asked.delete(requestId);
      await renewing?.catch(() => undefined);
      await CancellationScope.nonCancellable(() =>
        getExternalWorkflowHandle(id).signal(releaseSlotSignal, { requestId, ...(key !== undefined && { key }) }),
      );
    }
  }
}

/** Renews the lease every `everyMs` until `done()`; a lost renewal is retried at the next turn. */
async function renewWhileHeld(id: string, release: SlotRelease, everyMs: number, done: () => boolean): Promise<void> {
  while (!(await condition(done, everyMs, { summary: `blast radius: renew the slot lease ${release.requestId}` }))) {
    await getExternalWorkflowHandle(id)
      .signal(renewSlotSignal, release)
      .catch(() => undefined);
  }
}

/** Starts the semaphore unless it runs; the configured limit is the most any request may ask for. */
async function ensureSemaphore(id: string, maxLimit: number): Promise<void> {
  try {
    await startChild(remediationSlots, {
      workflowId: id,
      args: [{ maxLimit }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
