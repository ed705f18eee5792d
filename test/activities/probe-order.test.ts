// The nodes a sweep found dark are started first by the worker's next sweep (SilentLastTime in
// activities/probe.ts), so their 3 s waits run under the live nodes' work instead of after it.
// Real loopback servers, one probe slot: the order in which the nodes are first asked is visible
// on the servers' side. Only the order changes: results keep the caller's order, and the dead
// host is still declared dead only after its full deadline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { SilentLastTime } from '../../activities/probe.js';
import { createLimiter } from '../../activities/transport/pool.js';
import type { NodeProbe } from '../../src/domain/probes.js';
import { subnet } from '../helpers/subnets.js';
import { cluster, fastPolicy, host, json, p2pBody, type Running, runActivity, startBanner, startDeadHost, startHttp } from './helpers.js';

const S = subnet('activities/probe-order');
const DEAD = `127.${S}.0.1`;
const LIVE = [`127.${S}.0.2`, `127.${S}.0.3`];
const TIMEOUT_MS = 1_500;

const servers: Running[] = [];
/** Who was asked, in order, during the current sweep (a node's first contact only). */
let asked: string[] = [];
const note = (name: string) => void (asked.includes(name) || asked.push(name));

let acts: ReturnType<typeof createActivities>;

beforeAll(async () => {
  const dead = await startDeadHost(DEAD, 0, () => note('dead'));
  servers.push(dead);
  const hosts = [host('dead', DEAD, { p2p: dead.port, http_api: dead.port, ssh: dead.port })];
  for (const [i, address] of LIVE.entries()) {
    const name = `live-${i + 1}`;
    const p2p = await startHttp(address, (_req, res) => {
      note(name);
      json(res, 200, p2pBody());
    });
    const http = await startHttp(address, (_req, res) => json(res, 200, { ok: true }));
    const ssh = await startBanner(address, 'SSH-2.0-OpenSSH_9.2p1\r\n');
    servers.push(p2p, http, ssh);
    hosts.push(host(name, address, { p2p: p2p.port, http_api: http.port, ssh: ssh.port }));
  }
  // One slot, so the order of first contact is the order of the slots.
  acts = createActivities({ cluster: () => cluster(hosts), policy: fastPolicy({ concurrency: 1, connectTimeoutMs: TIMEOUT_MS, totalTimeoutMs: TIMEOUT_MS }) });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function sweep(): Promise<NodeProbe[]> {
  asked = [];
  return (await runActivity(() => acts.probeNodes({ nodes: ['live-1', 'live-2', 'dead'] }))).result;
}

describe('sweep order', () => {
  it('the node dark in the last sweep gets the first slot in the next one; results keep the caller’s order', async () => {
    const first = await sweep();
    expect(asked).toEqual(['live-1', 'live-2', 'dead']);
    expect(first.map((p) => [p.name, p.via])).toEqual([['live-1', 'primary'], ['live-2', 'primary'], ['dead', 'none']]);

    const started = performance.now();
    const second = await sweep();
    expect(asked[0]).toBe('dead');
    expect(second.map((p) => [p.name, p.via])).toEqual([['live-1', 'primary'], ['live-2', 'primary'], ['dead', 'none']]);
    // Still declared dead only after its full deadline, on every check.
    for (const c of Object.values(second[2]!.checks)) expect(c).toMatchObject({ ok: false, error: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS);
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
});
