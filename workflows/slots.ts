// Blast radius (issue: at most K nodes mutated at once across all running procedures). One
// long-lived semaphore workflow per namespace grants slots to procedures by signal; grants
// carry a lease so a holder that vanished without releasing cannot block the cluster forever.
import {
  condition,
  continueAsNew,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  setHandler,
} from '@temporalio/workflow';

/**
 * The semaphore every procedure of one cluster shares. It comes from the input (recorded in
 * history, so replays agree), not from the task queue, which a replay worker does not keep.
 */
export const DEFAULT_SLOTS_WORKFLOW_ID = 'runbook-remediation-slots';

export interface SlotRequest {
  holder: string;
  node: string;
  limit: number;
}

export interface SlotRelease {
  holder: string;
  node: string;
}

export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquire-slot');
export const releaseSlotSignal = defineSignal<[SlotRelease]>('release-slot');
export const slotGrantedSignal = defineSignal<[{ node: string }]>('slot-granted');

interface Held extends SlotRelease {
  grantedAtMs: number;
}

export interface SlotsState {
  held: Held[];
  queue: SlotRequest[];
  limit: number;
  leaseMs: number;
}

const GRANTS_PER_RUN = 500;

export async function remediationSlots(state: Partial<SlotsState> = {}): Promise<void> {
  const held: Held[] = state.held ?? [];
  const queue: SlotRequest[] = state.queue ?? [];
  let limit = state.limit ?? 2;
  const leaseMs = state.leaseMs ?? 30 * 60_000;
  let grants = 0;

  setHandler(acquireSlotSignal, (r) => {
    limit = r.limit;
    const same = (x: SlotRelease): boolean => x.holder === r.holder && x.node === r.node;
    if (held.some(same)) void grant(r); // a repeated request (retried activity, reset run) is re-granted
    else if (!queue.some(same)) queue.push(r);
  });
  setHandler(releaseSlotSignal, (r) => {
    const i = held.findIndex((x) => x.holder === r.holder && x.node === r.node);
    if (i >= 0) held.splice(i, 1);
    const q = queue.findIndex((x) => x.holder === r.holder && x.node === r.node);
    if (q >= 0) queue.splice(q, 1);
  });

  async function grant(r: SlotRequest): Promise<void> {
    try {
      await getExternalWorkflowHandle(r.holder).signal(slotGrantedSignal, { node: r.node });
    } catch (err) {
      // The holder is gone: free its slot again.
      log.warn('slot holder unreachable; releasing', { holder: r.holder, error: String(err) });
      const i = held.findIndex((x) => x.holder === r.holder && x.node === r.node);
      if (i >= 0) held.splice(i, 1);
    }
  }

  while (grants < GRANTS_PER_RUN) {
    const woke = await condition(() => queue.length > 0 && held.length < limit, leaseMs);
    const now = Date.now();
    for (let i = held.length - 1; i >= 0; i--) {
      if (now - held[i]!.grantedAtMs > leaseMs) {
        log.warn('slot lease expired', { holder: held[i]!.holder, node: held[i]!.node });
        held.splice(i, 1);
      }
    }
    if (!woke) continue;
    while (queue.length > 0 && held.length < limit) {
      const r = queue.shift()!;
      held.push({ holder: r.holder, node: r.node, grantedAtMs: now });
      grants++;
      await grant(r);
    }
  }
  await condition(() => true);
  await continueAsNew<typeof remediationSlots>({ held, queue, limit, leaseMs });
}
