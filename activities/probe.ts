// §3.1/§3.2 probes of a batch of nodes: P2P /status, HTTP /health and the SSH banner, all three
// at once per node, each over primary and fallback with one shared deadline.
import { setMaxListeners } from 'node:events';
import type { ClusterSpec, HostSpec } from '../src/domain/cluster-spec.js';
import type { ProbePolicy } from '../src/domain/policy.js';
import type { CheckResult, NodeProbe, RoutingCheck, Via } from '../src/domain/probes.js';
import { deadline } from './transport/abort.js';
import { candidates, httpBase } from './transport/node-lookup.js';
import { cancellationSignal, periodicHeartbeat, throwIfCancelled } from './transport/context.js';
import { type HttpDispatcher, httpCall } from './transport/http.js';
import { createLimiter, type Limiter } from './transport/pool.js';
import { parseStatusAnswer } from './p2p.js';
import { FALLBACK_STAGGER_MS, raceCandidates, type RaceOutcome } from './transport/race.js';
import { isSsh2Banner, readSshBanner } from './ssh-banner.js';
import { createRollCall, type RollCall, rollCallPays, silentAtRollCall } from './roll-call.js';

/** Heartbeat at least every this many nodes (and at least every second). */
const HEARTBEAT_EVERY_NODES = 200;
/**
 * A node that has not finished after this long gives its concurrency slot to the next one and
 * waits out its own deadline aside (the fallback's stagger: by then a live node has answered).
 */
export const PARK_AFTER_MS = FALLBACK_STAGGER_MS;
/** …unless the park timer itself fires this late: then the worker is the slow one, not the node. */
const PARK_MAX_LAG_MS = 100;
/**
 * A routing timer that fires this late starts nothing: the worker is overloaded, and answers may
 * be waiting on it. Looser than the park's: a normal 1,000-node sweep's loop lags up to ~200–280
 * ms (bench/probe-sweep), and a dark node not routed in the sweep costs its diagnose a
 * routingChecks activity after it.
 */
const ROUTE_MAX_LAG_MS = 500;

/**
 * Gives the slot back once the node has been silent for PARK_AFTER_MS. Without it the dead hosts
 * (1/8 at 1,000 nodes) held 125 of the 128 slots for their whole 3 s and the live nodes behind
 * them queued through the rest, so the sweep ended one probe timeout after a slow tail. The
 * node's deadline is untouched. When the event loop lags (the timer fires late), the slot is
 * kept: then answers are waiting on us, and more nodes in flight would only time out falsely.
 */
function parkWhenSilent(release: () => void): () => void {
  const armed = performance.now();
  const timer = setTimeout(() => {
    if (performance.now() - armed - PARK_AFTER_MS <= PARK_MAX_LAG_MS) release();
  }, PARK_AFTER_MS);
  return () => clearTimeout(timer);
}

function toCheck<T>(out: RaceOutcome<T>, judge: (value: T) => string | undefined): CheckResult {
  if (!out.ok) return { ok: false, ms: out.ms, error: out.error };
  const error = judge(out.value);
  return error === undefined ? { ok: true, ms: out.ms, via: out.via } : { ok: false, ms: out.ms, via: out.via, error };
}

/**
 * `onAnswer`: called when the first of the three checks gets an answer from the node (any answer,
 * even an unhealthy one): from then on the node is known not to be dark, whatever the other
 * checks still wait for.
 */
export async function probeNode(
  host: HostSpec,
  probe: ProbePolicy,
  dispatcher: HttpDispatcher,
  cancel: AbortSignal,
  onAnswer?: () => void,
): Promise<NodeProbe> {
  // One deadline for all three checks and both addresses of this node.
  const limit = deadline([cancel], probe.totalTimeoutMs);
  try {
    return await probeWithin(host, probe, dispatcher, limit.signal, onAnswer);
  } finally {
    limit.done();
  }
}

async function probeWithin(host: HostSpec, probe: ProbePolicy, dispatcher: HttpDispatcher, signal: AbortSignal, onAnswer?: () => void): Promise<NodeProbe> {
  const cands = candidates(host);
  const heard = <T>(out: RaceOutcome<T>): RaceOutcome<T> => {
    if (out.ok) onAnswer?.();
    return out;
  };
  const get = (port: number, path: string) =>
    raceCandidates(cands, (c, s) => httpCall(`${httpBase(c.address, port)}${path}`, { signal: s, dispatcher }), {
      signal,
    }).then(heard);

  const [p2pOut, httpOut, sshOut] = await Promise.all([
    get(host.ports.p2p, '/status'),
    get(host.ports.http_api, '/health'),
    raceCandidates(cands, (c, s) => readSshBanner(c.address, host.ports.ssh, s, probe.connectTimeoutMs), { signal }).then(heard),
  ]);

  let status: NodeProbe['status'];
  const p2p = toCheck(p2pOut, (answer) => {
    const parsed = parseStatusAnswer(answer);
    if (!parsed.ok) return parsed.error;
    status = parsed.status;
    return undefined;
  });
  const http = toCheck(httpOut, (a) => (a.status >= 200 && a.status <= 299 ? undefined : `HTTP ${a.status}`));
  const ssh = toCheck(sshOut, (banner) => (isSsh2Banner(banner) ? undefined : 'unsupported SSH version'));

  // A node is reached "via" the primary when any check answered there (preferred), else the fallback.
  const vias = [p2p.via, http.via, ssh.via];
  const via: Via = vias.includes('primary') ? 'primary' : vias.includes('fallback') ? 'fallback' : 'none';
  return { name: host.name, via, checks: { p2p, http, ssh }, ...(status !== undefined && { status }) };
}

/**
 * §3.4 routing checks for nodes that stay silent, started during their own timeout wait instead
 * of after the sweep: `check` runs for at most `budget` nodes of this batch, each one once it has
 * been silent for half its deadline (a live node has answered by then, even on a loaded worker).
 * Only a node that ends up answering on no check and no address keeps the result; for one that
 * answers after all, the check is stopped and dropped. A node that has answered on any check is
 * not silent, however long its other checks take (under an alert storm, live nodes whose SSH
 * banner was slow got a traceroute each, a process spawn, which loaded the worker further). And
 * when the timer itself fires over ROUTE_MAX_LAG_MS late, the worker is overloaded: no check
 * starts then (a dark node is routed after the sweep instead, by the routingChecks activity).
 */
export interface SilentRouting {
  budget: number;
  check: (host: HostSpec, signal: AbortSignal) => Promise<RoutingCheck>;
}

/** What a node gets when its batch routes nothing (the health monitor, §6.1): one shared object. */
const NO_ROUTING = { heard: (): void => undefined, settle: async (_dark: boolean): Promise<RoutingCheck | undefined> => undefined };
/** Why a started routing check is stopped: made once, as the race's RACE_OVER. */
const NOT_DARK = Object.assign(new Error('the node answered: no routing check needed'), { name: 'AbortError', code: 'ABORT_ERR' });

/** Starts `routing.check` for `host` once it has been silent for half the probe deadline. */
function routeWhenSilent(host: HostSpec | undefined, probe: ProbePolicy, routing: SilentRouting | undefined, cancel: AbortSignal) {
  if (!host || !routing) return NO_ROUTING;
  // Made only when the check starts: most nodes answer before the timer fires.
  let started: { running: Promise<RoutingCheck>; stop: (reason: unknown) => void } | undefined;
  const armed = performance.now();
  const after = probe.totalTimeoutMs / 2;
  const timer = setTimeout(() => {
    if (routing.budget <= 0 || cancel.aborted || performance.now() - armed - after > ROUTE_MAX_LAG_MS) return;
    routing.budget--;
    const d = deadline([cancel]);
    started = { running: routing.check(host, d.signal).finally(d.done), stop: d.abort };
  }, after);
  /** Not dark after all: no check from now on, and one already running is stopped and dropped. */
  const notDark = (): void => {
    clearTimeout(timer);
    if (!started) return;
    started.stop(NOT_DARK);
    started.running.catch(() => undefined);
  };
  return {
    /** The node answered on some check: it is not dark, so no routing check for it. */
    heard: notDark,
    /** The result for a dark node (waited for); for any other node the check is stopped. */
    async settle(dark: boolean): Promise<RoutingCheck | undefined> {
      clearTimeout(timer);
      if (!started) return undefined;
      if (dark) return started.running;
      notDark();
      return undefined;
    },
  };
}

/** No check answered on any address: the node is dark (host-down or ip-changed, §3.4). */
function isDark(p: NodeProbe): boolean {
  return !p.checks.p2p.ok && !p.checks.http.ok && !p.checks.ssh.ok && p.via === 'none';
}

/** Nodes not in the config are reported as unreachable results rather than failing the batch. */
function unknownNode(name: string): NodeProbe {
  const miss: CheckResult = { ok: false, ms: 0, error: 'unknown node' };
  return { name, via: 'none', checks: { p2p: miss, http: miss, ssh: miss } };
}

/**
 * A sweep that belongs to no single activity (the shared §6.1 measurement): its own cancellation,
 * and no heartbeats, which go to the activity that asked (each caller beats for itself).
 */
export interface DetachedSweep {
  cancel: AbortSignal;
}

/**
 * The worker's memory of the nodes that answered on nothing at their last probe. The next sweep
 * gives them probe slots first, so their 3 s waits start at once and run under the live nodes'
 * work instead of after it: nodes take slots in list order, and a dead host near the end of a
 * 1,000-node list started its clock ~1.8 s into the sweep (bench/README.md, probe sweep). The
 * health monitor sweeps every few seconds, so from its second heartbeat on, and for a diagnose
 * that follows it, the dead hosts are known. Only the order changes: every node is probed, with
 * its full deadline, and results keep the caller's order.
 */
export class SilentLastTime {
  readonly #names = new Set<string>();

  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** What a sweep found: dark nodes are remembered, nodes that answered are forgotten. */
  record(results: readonly NodeProbe[]): void {
    for (const r of results) {
      if (isDark(r)) this.#names.add(r.name);
      else this.#names.delete(r.name);
    }
  }

  get size(): number {
    return this.#names.size;
  }
}

export interface SweepOptions {
  /** Probe slots; the worker shares one limit across its batches. Default: a fresh one. */
  limiter?: Limiter;
  routing?: SilentRouting;
  detached?: DetachedSweep;
  silentLastTime?: SilentLastTime;
  /** Asks who is there before a long sweep queues its nodes (roll-call.ts). Default: a fresh one. */
  rollCall?: RollCall;
}

export async function probeNodes(
  spec: ClusterSpec,
  nodes: readonly string[],
  probe: ProbePolicy,
  dispatcher: HttpDispatcher,
  o: SweepOptions = {},
): Promise<NodeProbe[]> {
  const { routing, detached, silentLastTime } = o;
  const limiter = o.limiter ?? createLimiter(probe.concurrency);
  const rollCall = o.rollCall ?? createRollCall(probe);
  const cancel = detached?.cancel ?? cancellationSignal();
  // Every node in flight listens for cancellation; hundreds at once are expected, not a leak.
  setMaxListeners(0, cancel);
  let done = 0;
  const hb = detached ? { beat: () => undefined, stop: () => undefined } : periodicHeartbeat(() => ({ done, total: nodes.length }));
  try {
    const byName = new Map(spec.hosts.map((h) => [h.name, h]));
    const probeOne = (name: string) => async (release: () => void): Promise<NodeProbe> => {
      const host = byName.get(name);
      const unpark = parkWhenSilent(release);
      const route = routeWhenSilent(host, probe, routing, cancel);
      let result: NodeProbe;
      try {
        result = cancel.aborted ? unknownNode(name) : host ? await probeNode(host, probe, dispatcher, cancel, route.heard) : unknownNode(name);
      } finally {
        unpark();
      }
      const routed = await route.settle(isDark(result));
      if (routed) result = { ...result, routing: routed };
      done++;
      hb.beat(done % HEARTBEAT_EVERY_NODES === 0);
      return result;
    };
    // Each node's own deadline starts when it gets a slot, so waiting in line never counts. The
    // nodes silent last time ask for their slots first (and go ahead of other batches' queues).
    // When the others would wait in line (and the cluster is small enough for one round), the
    // roll call asks them first, and those silent now queue ahead of the rest.
    const slots = new Array<Promise<NodeProbe>>(nodes.length);
    const queue = (i: number, first: boolean): void => void (slots[i] = limiter(probeOne(nodes[i]!), { first }));
    const known = nodes.map((name) => silentLastTime?.has(name) ?? false);
    known.forEach((k, i) => k && queue(i, true));
    const rest = nodes.flatMap((name, i) => (known[i] ? [] : [i]));
    const silentNow =
      rest.length > limiter.free() && rollCallPays(rollCall, spec.hosts.length, probe.concurrency) && !cancel.aborted
        ? await silentAtRollCall(rollCall, rest.flatMap((i) => byName.get(nodes[i]!) ?? []), cancel)
        : new Set<string>();
    for (const i of rest) if (silentNow.has(nodes[i]!)) queue(i, true);
    for (const i of rest) if (!silentNow.has(nodes[i]!)) queue(i, false);
    const results = await Promise.all(slots);
    throwIfCancelled(cancel);
    silentLastTime?.record(results);
    hb.beat(true);
    return results;
  } finally {
    hb.stop();
  }
}
