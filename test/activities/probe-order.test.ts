// The order in which a sweep gives out probe slots. The nodes a sweep found dark are started first
// by the worker's next sweep (SilentLastTime in activities/probe.ts), and before a long sweep
// queues the others, the roll call (activities/roll-call.ts) asks each one's SSH port who is
// there and queues the silent ones first: either way a dead host's 3 s wait runs under the live
// nodes' work instead of after it. Real loopback servers, one probe slot: the order in which the
// nodes are first probed is visible on the servers' side. Only the order changes: results keep
// the caller's order, and the dead host is still declared dead only after its full deadline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { SilentLastTime } from '../../activities/probe.js';
import { bannerWindow, silentFor } from '../../activities/roll-call.js';
import { createLimiter } from '../../activities/transport/pool.js';
import type { NodeProbe } from '../../src/domain/probes.js';
import { subnet } from '../helpers/subnets.js';
import { cluster, fastPolicy, host, json, p2pBody, refusedPort, type Running, runActivity, startBanner, startDeadHost, startHttp } from './helpers.js';

const S = subnet('activities/probe-order');
const DEAD = `127.${S}.0.1`;
const LIVE = [`127.${S}.0.2`, `127.${S}.0.3`];
const TIMEOUT_MS = 1_500;

const servers: Running[] = [];
/** What the servers saw during the current sweep: "probe:<node>" at a node's first P2P/HTTP contact, "ssh:<node>" at every SSH connection. */
let seen: string[] = [];
const probed = (name: string) => void (seen.includes(`probe:${name}`) || seen.push(`probe:${name}`));
const probeOrder = () => seen.filter((e) => e.startsWith('probe:')).map((e) => e.slice('probe:'.length));
const sshCalls = (name: string) => seen.filter((e) => e === `ssh:${name}`).length;

/** One probe slot, so the order of first contact is the order of the slots. */
let oneSlot: ReturnType<typeof createActivities>;
/** Slots for every node: nobody waits in line, so there is no roll call. */
let roomy: ReturnType<typeof createActivities>;
/** One slot, in a cluster too large for one round of the roll call (8 per slot): no roll call. */
let large: ReturnType<typeof createActivities>;

beforeAll(async () => {
  const deadHttp = await startDeadHost(DEAD, 0, () => probed('dead'));
  const deadSsh = await startDeadHost(DEAD, 0, () => seen.push('ssh:dead'));
  servers.push(deadHttp, deadSsh);
  const hosts = [host('dead', DEAD, { p2p: deadHttp.port, http_api: deadHttp.port, ssh: deadSsh.port })];
  for (const [i, address] of LIVE.entries()) {
    const name = `live-${i + 1}`;
    const p2p = await startHttp(address, (_req, res) => {
      probed(name);
      json(res, 200, p2pBody());
    });
    const http = await startHttp(address, (_req, res) => json(res, 200, { ok: true }));
    const ssh = await startBanner(address, 'SSH-2.0-OpenSSH_9.2p1\r\n', 0, () => seen.push(`ssh:${name}`));
    servers.push(p2p, http, ssh);
    hosts.push(host(name, address, { p2p: p2p.port, http_api: http.port, ssh: ssh.port }));
  }
  const policy = (concurrency: number) => fastPolicy({ concurrency, connectTimeoutMs: TIMEOUT_MS, totalTimeoutMs: TIMEOUT_MS });
  oneSlot = createActivities({ cluster: () => cluster(hosts), policy: policy(1) });
  roomy = createActivities({ cluster: () => cluster(hosts), policy: policy(8) });
  // Never swept here (not in the sweep's list), only counted: 3 + 7 = 10 nodes > 1 slot + 8.
  const others = Array.from({ length: 7 }, (_, i) => host(`other-${i}`, `127.${S}.1.${i + 1}`, {}));
  large = createActivities({ cluster: () => cluster([...hosts, ...others]), policy: policy(1) });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function sweep(acts: ReturnType<typeof createActivities>): Promise<NodeProbe[]> {
  seen = [];
  return (await runActivity(() => acts.probeNodes({ nodes: ['live-1', 'live-2', 'dead'] }))).result;
}

const inCallersOrder = [['live-1', 'primary'], ['live-2', 'primary'], ['dead', 'none']];

describe('sweep order', () => {
  it('first sweep: the roll call asks every node before any probe, and the silent one, listed last, gets the first slot', async () => {
    const started = performance.now();
    const first = await sweep(oneSlot);
    expect(new Set(seen.slice(0, 3))).toEqual(new Set(['ssh:live-1', 'ssh:live-2', 'ssh:dead']));
    expect(probeOrder()).toEqual(['dead', 'live-1', 'live-2']);
    expect(first.map((p) => [p.name, p.via])).toEqual(inCallersOrder);
    // Still declared dead only after its full deadline, on every check.
    for (const c of Object.values(first[2]!.checks)) expect(c).toMatchObject({ ok: false, error: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS);
  });

  it('next sweep: the node dark last time gets the first slot without being asked again; results keep the caller’s order', async () => {
    const second = await sweep(oneSlot);
    expect(probeOrder()[0]).toBe('dead');
    // Its probe's own SSH check only; the live nodes were asked and then probed.
    expect([sshCalls('dead'), sshCalls('live-1'), sshCalls('live-2')]).toEqual([1, 2, 2]);
    expect(second.map((p) => [p.name, p.via])).toEqual(inCallersOrder);
  });

  it('a sweep that fits in its slots has no roll call: every node is probed at once', async () => {
    const probes = await sweep(roomy);
    expect([sshCalls('dead'), sshCalls('live-1'), sshCalls('live-2')]).toEqual([1, 1, 1]);
    expect(probes.map((p) => [p.name, p.via])).toEqual(inCallersOrder);
  });
});

describe('roll call only where it pays', () => {
  it('a cluster larger than the probe slots plus one round of the roll call has none: list order', async () => {
    const probes = await sweep(large);
    expect([sshCalls('dead'), sshCalls('live-1'), sshCalls('live-2')]).toEqual([1, 1, 1]);
    expect(probeOrder()).toEqual(['live-1', 'live-2', 'dead']);
    expect(probes.map((p) => [p.name, p.via])).toEqual(inCallersOrder);
  });
});

describe('silentFor (the roll call’s question)', () => {
  const never = new AbortController().signal;

  it('is true only for a port that accepts and says nothing; a banner, a refusal, a close are answers', async () => {
    const silent = await startDeadHost(`127.${S}.0.4`);
    const banner = await startBanner(`127.${S}.0.4`, 'SSH-2.0-x\r\n');
    servers.push(silent, banner);
    const refused = await refusedPort(`127.${S}.0.4`);
    const closes = await startHttp(`127.${S}.0.4`, () => undefined);
    closes.server.on('connection', (s) => s.destroy());
    servers.push(closes);
    const ask = (port: number) => silentFor(`127.${S}.0.4`, port, 200, never);
    expect(await Promise.all([ask(silent.port), ask(banner.port), ask(refused), ask(closes.port)])).toEqual([true, false, false, false]);
  });

  it('waits for the banner twice the connect time plus 50 ms, never more than the full window', () => {
    expect([bannerWindow(0.4, 250), bannerWindow(20, 250), bannerWindow(150, 250), bannerWindow(2_000, 250)]).toEqual([50.8, 90, 250, 250]);
  });

  it('stops at once, not silent, when its signal aborts', async () => {
    const silent = await startDeadHost(`127.${S}.0.5`);
    servers.push(silent);
    const stop = new AbortController();
    const asked = silentFor(`127.${S}.0.5`, silent.port, 60_000, stop.signal);
    setTimeout(() => stop.abort(), 50);
    expect(await asked).toBe(false);
  });
});

describe('SilentLastTime', () => {
  const probe = (name: string, dark: boolean): NodeProbe => {
    const check = dark ? { ok: false, ms: 3000, error: 'timeout' } : { ok: true, ms: 5, via: 'primary' as const };
    return { name, via: dark ? 'none' : 'primary', checks: { p2p: check, http: check, ssh: check } };
  };

  it('remembers dark nodes and forgets one as soon as it answers on anything', () => {
    const m = new SilentLastTime();
    m.record([probe('a', true), probe('b', true), probe('c', false)]);
    expect([m.has('a'), m.has('b'), m.has('c'), m.size]).toEqual([true, true, false, 2]);
    const answeredSsh: NodeProbe = { ...probe('a', true), via: 'primary', checks: { ...probe('a', true).checks, ssh: { ok: true, ms: 4, via: 'primary' } } };
    m.record([answeredSsh]);
    expect([m.has('a'), m.has('b'), m.size]).toEqual([false, true, 1]);
  });
});

describe('createLimiter', () => {
  it('a call queued with `first` goes ahead of every call waiting without it', async () => {
    const limit = createLimiter(1);
    const order: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const holder = limit(() => gate);
    const queued = [
      limit(async () => void order.push('a')),
      limit(async () => void order.push('b')),
      limit(async () => void order.push('first-1'), { first: true }),
      limit(async () => void order.push('c')),
      limit(async () => void order.push('first-2'), { first: true }),
    ];
    open();
    await Promise.all([holder, ...queued]);
    expect(order).toEqual(['first-1', 'first-2', 'a', 'b', 'c']);
  });

  it('counts the slots free right now, none while calls wait, all again once they are done', async () => {
    const limit = createLimiter(2);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    expect(limit.free()).toBe(2);
    const held = [limit(() => gate)];
    expect(limit.free()).toBe(1);
    held.push(limit(() => gate), limit(() => gate));
    expect(limit.free()).toBe(0);
    open();
    await Promise.all(held);
    expect(limit.free()).toBe(2);
  });
});
