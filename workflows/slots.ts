// Blast radius (at most K nodes mutated at once across all running procedures). One long-lived
// semaphore workflow per cluster grants slots to procedures by signal. Every request carries a
// unique id, so a late or re-applied grant can never satisfy another request, and every grant
// carries a lease so a holder that vanished without releasing cannot block the cluster forever.
// Besides the count, it is the one shared truth about which nodes are being changed: one change
// per node at a time, and one voter at a time cluster-wide (§9 "Election Quorum": two procedures
// that each counted a majority alive could otherwise take two voters down together).
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  patched,
  setHandler,
} from '@temporalio/workflow';

/**
 * The semaphore every procedure of one cluster shares. It comes from the input (recorded in
 * history, so replays agree), not from the task queue, which a replay worker does not keep.
 */
export const DEFAULT_SLOTS_WORKFLOW_ID = 'runbook-remediation-slots';

export interface SlotRequest {
  /** Unique per request and stable across reset and continue-as-new: `<firstRunId>:<node>#<n>`. */
  requestId: string;
  holder: string;
  node: string;
  /** Blast-radius limit from the requester's policy; the smallest one seen while queued wins. */
  limit: number;
  /** The node is a voter: voter changes are serialized cluster-wide. Absent from old requesters. */
  voter?: boolean;
}

export interface SlotRelease {
  requestId: string;
}

export interface SlotGrant {
  requestId: string;
  /** Lease length: the holder renews well within it. Absent in grants of older semaphores. */
  leaseMs?: number;
}

export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquire-slot');
export const releaseSlotSignal = defineSignal<[SlotRelease]>('release-slot');
/** The holder is still changing its node: restart its lease. */
export const renewSlotSignal = defineSignal<[SlotRelease]>('renew-slot');
export const slotGrantedSignal = defineSignal<[SlotGrant]>('slot-granted');
/** Who holds and who waits, for operators and tests. */
export const slotsStateQuery = defineQuery<SlotsState>('slots-state');

interface Held extends SlotRequest {
  grantedAtMs: number;
  /** Last renewal; the lease runs from here. Absent in state carried over from older runs. */
  renewedAtMs?: number;
}

export interface SlotsState {
  held: Held[];
  queue: SlotRequest[];
  leaseMs: number;
}

const GRANTS_PER_RUN = 500;
/** Longer than any single stage a holder runs under its slot; holders also renew while they change. */
export const DEFAULT_LEASE_MS = 30 * 60_000;

/** `patched()` id: per-node exclusion, voter serialization, and lease renewal (issue 11 items 3, 7, 11). */
export const EXCLUSIVE_NODES_PATCH = 'slots-exclusive-nodes';

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
  // State only (no command): a renewal for a lease already reclaimed is ignored.
  setHandler(renewSlotSignal, (r) => {
    const h = held.find((x) => x.requestId === r.requestId);
    if (h) h.renewedAtMs = Date.now();
  });
  setHandler(slotsStateQuery, () => ({ held, queue, leaseMs }));

  // The strictest policy among holders and waiters applies, so one caller cannot widen it.
  const limit = (): number => Math.min(...[...held, ...queue].map((x) => x.limit));
  // Decided once per loop turn: a run replaying history written before the patch keeps the old
  // rule (FIFO, count only) for the turns it recorded, and switches at its first live turn.
  let exclusive = false;
  const grantable = (r: SlotRequest): boolean =>
    held.length < limit() &&
    (!exclusive || (!held.some((h) => h.node === r.node) && !(r.voter === true && held.some((h) => h.voter === true))));
  const nextGrant = (): number => (exclusive ? queue.findIndex(grantable) : queue.length > 0 && grantable(queue[0]!) ? 0 : -1);
  const expiresAt = (h: Held): number => (h.renewedAtMs ?? h.grantedAtMs) + leaseMs;

  while (grants < GRANTS_PER_RUN) {
    exclusive = patched(EXCLUSIVE_NODES_PATCH);
    // Wake for a grant, or when the oldest lease runs out, whichever is first.
    const nextExpiry = held.length > 0 ? Math.min(...held.map(expiresAt)) - Date.now() : leaseMs;
    const woke = await condition(() => nextGrant() >= 0, Math.max(1_000, nextExpiry), { summary: 'next grant or lease expiry' });
    const now = Date.now();
    for (let i = held.length - 1; i >= 0; i--) {
      if (now > expiresAt(held[i]!)) {
        log.warn('slot lease expired', { holder: held[i]!.holder, node: held[i]!.node });
        held.splice(i, 1);
      }
    }
    if (!woke) continue;
    for (let i = nextGrant(); i >= 0; i = nextGrant()) {
      const [r] = queue.splice(i, 1);
      held.push({ ...r!, grantedAtMs: now });
      grants++;
      try {
        await getExternalWorkflowHandle(r!.holder).signal(slotGrantedSignal, {
          requestId: r!.requestId,
          ...(exclusive && { leaseMs }),
        });
      } catch (err) {
        // The holder is gone: free its slot again.
        log.warn('slot holder unreachable; releasing', { holder: r!.holder, error: String(err) });
        const j = held.findIndex((x) => x.requestId === r!.requestId);
        if (j >= 0) held.splice(j, 1);
      }
    }
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof remediationSlots>({ held, queue, leaseMs });
}
