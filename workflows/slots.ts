// Blast radius (at most K nodes mutated at once across all running procedures). One long-lived
// semaphore workflow per cluster grants slots to procedures by signal. Every request carries a
// unique id, so a late or re-applied grant can never satisfy another request, and every grant
// carries a lease so a holder that vanished without releasing cannot block the cluster forever.
import {
  allHandlersFinished,
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
  /** Unique per request: `<runId>:<node>#<n>`. */
  requestId: string;
  holder: string;
  node: string;
  /** Blast-radius limit from the requester's policy; the smallest one seen while queued wins. */
  limit: number;
}

export interface SlotRelease {
  requestId: string;
}

export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquire-slot');
export const releaseSlotSignal = defineSignal<[SlotRelease]>('release-slot');
export const slotGrantedSignal = defineSignal<[{ requestId: string }]>('slot-granted');

interface Held extends SlotRequest {
  grantedAtMs: number;
}

export interface SlotsState {
  held: Held[];
  queue: SlotRequest[];
  leaseMs: number;
}

const GRANTS_PER_RUN = 500;
/** Longer than any single stage a holder runs under its slot (a change plus ≤ 2 × 10 min of polling). */
export const DEFAULT_LEASE_MS = 30 * 60_000;

export async function remediationSlots(state: Partial<SlotsState> = {}): Promise<void> {
  const held: Held[] = state.held ?? [];
  const queue: SlotRequest[] = state.queue ?? [];
  const leaseMs = state.leaseMs ?? DEFAULT_LEASE_MS;
  let grants = 0;

  setHandler(acquireSlotSignal, (r) => {
    if (!held.some((x) => x.requestId === r.requestId) && !queue.some((x) => x.requestId === r.requestId)) queue.push(r);
  });
  setHandler(releaseSlotSignal, (r) => {
    const i = held.findIndex((x) => x.requestId === r.requestId);
    if (i >= 0) held.splice(i, 1);
    const q = queue.findIndex((x) => x.requestId === r.requestId);
    if (q >= 0) queue.splice(q, 1);
  });

  // The strictest policy among holders and waiters applies, so one caller cannot widen it.
  const limit = (): number => Math.min(...[...held, ...queue].map((x) => x.limit));
  const canGrant = (): boolean => queue.length > 0 && held.length < limit();

  while (grants < GRANTS_PER_RUN) {
    // Wake for a grant, or when the oldest lease runs out, whichever is first.
    const nextExpiry = held.length > 0 ? Math.min(...held.map((h) => h.grantedAtMs + leaseMs)) - Date.now() : leaseMs;
    const woke = await condition(canGrant, Math.max(1_000, nextExpiry));
    const now = Date.now();
    for (let i = held.length - 1; i >= 0; i--) {
      if (now - held[i]!.grantedAtMs > leaseMs) {
        log.warn('slot lease expired', { holder: held[i]!.holder, node: held[i]!.node });
        held.splice(i, 1);
      }
    }
    if (!woke) continue;
    while (canGrant()) {
      const r = queue.shift()!;
      held.push({ ...r, grantedAtMs: now });
      grants++;
      try {
        await getExternalWorkflowHandle(r.holder).signal(slotGrantedSignal, { requestId: r.requestId });
      } catch (err) {
        // The holder is gone: free its slot again.
        log.warn('slot holder unreachable; releasing', { holder: r.holder, error: String(err) });
        const i = held.findIndex((x) => x.requestId === r.requestId);
        if (i >= 0) held.splice(i, 1);
      }
    }
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof remediationSlots>({ held, queue, leaseMs });
}
