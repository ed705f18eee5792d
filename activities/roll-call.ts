// The probe sweep's roll call: before a long sweep queues its nodes, one TCP connect to each one's
// SSH port on the primary address finds out who is there. The nodes silent for the fallback's
// stagger queue first, so a dead host's 3 s wait starts at once and runs under the live nodes'
// work instead of after it. Nodes take probe slots in list order, and in a worker that has not
// seen a host die (its first sweep, or a host that died since the last one) the dead hosts of a
// 1,000-node list started their clocks up to ~3.5 s into the sweep (bench/README.md).
//
// Only the order changes: the roll call is no check and decides nothing. Every node still gets
// its full probe, with its full deadline from its own start, whatever the roll call heard.
import { connect } from 'node:net';
import type { HostSpec } from '../src/domain/cluster-spec.js';
import type { ProbePolicy } from '../src/domain/policy.js';
import { createLimiter, type Limiter } from './transport/pool.js';
import { FALLBACK_STAGGER_MS } from './transport/race.js';

/**
 * Roll-call connects in flight per probe slot: 8 × 128 asks a 1,000-node cluster in one round
 * (~0.4 s with a full 250 ms window for every node; at 4 × 128 the second round ended at ~0.65 s), and a
 * batch of thousands does not open a socket to every node at once.
 */
const CALLS_PER_PROBE_SLOT = 8;

/** Added to twice the connect time when waiting for the banner: the server's own turn. */
const BANNER_MARGIN_MS = 50;

/**
 * How long to wait for the banner once connected, at most `ms`. The banner comes about one round
 * trip after the connection (the server sends it on accept), and the connect took about one: so
 * twice the connect time and a margin. On loopback or in one datacenter that is ~50 ms, and the
 * dead hosts are found ~0.2 s sooner than with the full window; across providers (a round trip of
 * up to ~200 ms) it is the full window. A worker busy past it measures a longer connect and waits
 * longer, never shorter. A live node read as silent only moves up the queue.
 */
export function bannerWindow(connectMs: number, ms: number): number {
  return Math.min(ms, BANNER_MARGIN_MS + 2 * connectMs);
}

/**
 * Resolves true when `address:port` stayed silent: no connection within `ms` of the connect, or
 * no byte within `bannerWindow` of the connection (no refusal, reset or close either); false as soon as
 * anything came back, or on `signal`. The SSH port because its server speaks first: one connect
 * and no request, the cheapest question for both sides. The clock restarts at the connection
 * because a worker busy past the window sees the connection and the first bytes in two turns of
 * its loop: counted from the connect, a busy worker's own backlog read as silence (on a healthy
 * 1,000-node cluster, 360 of 872 live nodes). And when a timer fires, sockets that are ready are
 * read first (setImmediate runs after the loop's I/O phase).
 */
export function silentFor(address: string, port: number, ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const socket = connect({ host: address, port });
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (silent: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(silent);
    };
    const onAbort = (): void => settle(false);
    const answered = (): void => settle(false);
    // (Re)starts the window; a window that has been replaced by then decides nothing.
    const arm = (windowMs: number): void => {
      clearTimeout(timer);
      const mine = setTimeout(() => setImmediate(() => timer === mine && settle(true)), windowMs);
      timer = mine;
    };
    const asked = performance.now();
    arm(ms);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => arm(bannerWindow(performance.now() - asked, ms)));
    socket.once('data', answered);
    // `on`, not `once`: a destroyed socket may still report an error, and an unheard one would throw.
    socket.on('error', answered);
    socket.once('end', answered);
    socket.once('close', answered);
  });
}

export interface RollCall {
  /** Connects in flight at most (the worker's one limit for all its sweeps)… */
  slots: Limiter;
  /** …which is this many: one round. */
  round: number;
  /** Silence this long moves a node to the front. */
  windowMs: number;
}

/** The roll call of a worker (or of one sweep): silence for the fallback's stagger moves a node up. */
export function createRollCall(probe: ProbePolicy): RollCall {
  const round = CALLS_PER_PROBE_SLOT * probe.concurrency;
  return { slots: createLimiter(round), windowMs: FALLBACK_STAGGER_MS, round };
}

/**
 * Whether sweeping a cluster of `clusterSize` nodes (a diagnose, a heartbeat and §6.1 each sweep
 * all of them, in batches that share the worker's slots) is worth a roll call: only when the
 * nodes that wait for a slot can all be asked in one round. A larger cluster's live nodes take
 * longer than the probe timeout to get through (6 s and more at 2,000 nodes on the 2-core
 * development machine), so its dead hosts end inside that work even in list order, and a roll
 * call of several rounds only holds the live nodes back: at 2,000 nodes it made a first diagnose
 * 10.15 → 11.66 s and one with the dead hosts known 6.88 → 9.24 s (bench/README.md).
 */
export function rollCallPays(rollCall: RollCall, clusterSize: number, probeSlots: number): boolean {
  return clusterSize - probeSlots <= rollCall.round;
}

/**
 * The hosts that stayed silent at the roll call. It runs before the nodes are queued, not beside
 * their probes: beside them (nodes asked while they waited), the probes' work delayed the roll
 * call's answers and the dead hosts were found 1.1–1.8 s in, not ~0.4 s. A failed connect is an
 * answer (something refused it), so such a node keeps its place.
 */
export async function silentAtRollCall(rollCall: RollCall, hosts: readonly HostSpec[], signal: AbortSignal): Promise<Set<string>> {
  const silent = await Promise.all(hosts.map((h) => rollCall.slots(() => silentFor(h.host, h.ports.ssh, rollCall.windowMs, signal))));
  return new Set(hosts.filter((_, i) => silent[i]).map((h) => h.name));
}
