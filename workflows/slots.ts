// Blast radius (at most K nodes mutated at once across all running procedures). One long-lived
// semaphore workflow per cluster grants slots to procedures by signal. Every request carries a
// unique id, so a late or re-applied grant can never satisfy another request, and every grant
// carries a lease so a holder that vanished without releasing cannot block the cluster forever.
// Besides the count, it is the one shared truth about which nodes are being changed: one change
// per node at a time, and one voter at a time cluster-wide (§9 "Election Quorum": two procedures
// that each counted a majority alive could otherwise take two voters down together).
//
// The signals are plumbing between workflows, not an operator surface: they are received by the
// default signal handler, so the Web UI's Send-a-Signal dialog (which lists the named handlers)
// never offers them, and each request carries a secret key the requester made up. Only that key
// releases or renews the slot, and the grant carries it back so the requester can tell a real
// grant from a forged one. Neither the query nor any UI field shows the key.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  patched,
  setDefaultSignalHandler,
  setHandler,
} from '@temporalio/workflow';
import { releaseProblem, requestProblem } from './slot-messages.js';

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
  /** The requester's secret for this request: the grant carries it, release and renewal need it. Absent from old requesters. */
  key?: string;
}

export interface SlotRelease {
  requestId: string;
  /** The request's secret; a release or renewal without the right one is refused. */
  key?: string;
}

export interface SlotGrant {
  requestId: string;
  /** Lease length: the holder renews well within it. Absent in grants of older semaphores. */
  leaseMs?: number;
  /** The request's secret, so the requester can tell this grant from a forged one. */
  key?: string;
}

export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquire-slot');
export const releaseSlotSignal = defineSignal<[SlotRelease]>('release-slot');
/** The holder is still changing its node: restart its lease. */
export const renewSlotSignal = defineSignal<[SlotRelease]>('renew-slot');
export const slotGrantedSignal = defineSignal<[SlotGrant]>('slot-granted');
/** Who holds and who waits, for operators and tests. */
export const slotsStateQuery = defineQuery<PublicSlotsState>('slots-state');

interface Held extends SlotRequest {
  grantedAtMs: number;
  /** Last renewal; the lease runs from here. Absent in state carried over from older runs. */
  renewedAtMs?: number;
}

export interface SlotsState {
  held: Held[];
  queue: SlotRequest[];
  leaseMs: number;
  /**
   * The configured blast-radius limit (`max_nodes_remediated`) of the procedure that started
   * the semaphore: a request asking for more is refused. Absent in semaphores started before.
   */
  maxLimit?: number;
}

/** What the `slots-state` query shows: everything but the secret keys. */
export type PublicSlotsState = Omit<SlotsState, 'held' | 'queue'> & { held: Omit<Held, 'key'>[]; queue: Omit<SlotRequest, 'key'>[] };

const GRANTS_PER_RUN = 500;
/** Longer than any single stage a holder runs under its slot; holders also renew while they change. */
export const DEFAULT_LEASE_MS = 30 * 60_000;

/** `patched()` id: per-node exclusion, voter serialization, and lease renewal (docs/explanation/blast-radius.md). */
export const EXCLUSIVE_NODES_PATCH = 'slots-exclusive-nodes';
/**
 * `patched()` id: requests without a secret key or with a limit outside 1..maxLimit are refused.
 * Called only for such a request, so a semaphore replaying history from before keeps them.
 */
export const REFUSE_FORGED_PATCH = 'slots-refuse-forged';

const withoutKey = <T extends { key?: string }>({ key: _key, ...rest }: T): Omit<T, 'key'> => rest;

export async function remediationSlots(state: Partial<SlotsState> = {}): Promise<void> {
  const held: Held[] = state.held ?? [];
  const queue: SlotRequest[] = state.queue ?? [];
  const leaseMs = state.leaseMs ?? DEFAULT_LEASE_MS;
  const maxLimit = state.maxLimit;
  let grants = 0;

  const acquire = (r: SlotRequest): void => {
    const problem = requestProblem(r, maxLimit);
    // One limit of 0 would freeze every grant, one unknown requester could hold a slot: refused.
    if (problem !== undefined && patched(REFUSE_FORGED_PATCH)) {
      log.warn('refused a remediation slot request', { problem });
      return;
    }
    // A repeat of the same request is one request. One with the same id and another key is
    // someone else's (a forgery that guessed the id): it never displaces the real one.
    const same = (x: SlotRequest): boolean => x.requestId === r.requestId && x.key === r.key;
    if (!held.some(same) && !queue.some(same)) queue.push(r);
  };
  // A request made with a key is released or renewed only with that key; old keyless ones by id.
  const owns = (x: SlotRequest, r: SlotRelease): boolean => x.requestId === r.requestId && (x.key === undefined || x.key === r.key);
  const release = (r: SlotRelease): void => {
    const i = held.findIndex((x) => owns(x, r));
    if (i >= 0) held.splice(i, 1);
    const q = queue.findIndex((x) => owns(x, r));
    if (q >= 0) queue.splice(q, 1);
    if (i < 0 && q < 0 && [...held, ...queue].some((x) => x.requestId === r.requestId)) {
      log.warn('refused a slot release without the request\'s key', { requestId: r.requestId });
    }
  };
  // State only (no command): a renewal for a lease already reclaimed, or without the key, is ignored.
  const renew = (r: SlotRelease): void => {
    const h = held.find((x) => owns(x, r));
    if (h) h.renewedAtMs = Date.now();
  };
  // The default handler, not named ones: the Web UI offers only named handlers to operators.
  setDefaultSignalHandler((name, ...args) => {
    const arg = args[0];
    if (name === acquireSlotSignal.name) acquire(arg as SlotRequest);
    else if (name === releaseSlotSignal.name || name === renewSlotSignal.name) {
      const problem = releaseProblem(arg);
      if (problem !== undefined) log.warn(`ignoring a malformed ${name}`, { problem });
      else if (name === releaseSlotSignal.name) release(arg as SlotRelease);
      else renew(arg as SlotRelease);
    } else log.warn('ignoring an unknown signal', { name });
  });
  setHandler(slotsStateQuery, () => ({
    held: held.map(withoutKey),
    queue: queue.map(withoutKey),
    leaseMs,
    ...(maxLimit !== undefined && { maxLimit }),
  }));

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
          ...(r!.key !== undefined && { key: r!.key }),
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
  await continueAsNew<typeof remediationSlots>({ held, queue, leaseMs, ...(maxLimit !== undefined && { maxLimit }) });
}
