// A dead host waits out its whole deadline without holding a probe slot: the live nodes queued
// behind it are probed meanwhile (bench/README.md, "probe sweep"). Subnet 127.26.x.y.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { cluster, fastPolicy, host, json, p2pBody, runActivity, type Running, startBanner, startDeadHost, startHttp } from './helpers.js';

const DEAD = '127.26.0.1';
const LIVE = '127.26.0.2';

const TIMEOUT_MS = 3_000;

const servers: Running[] = [];
let dead: Running;
let livePorts: { p2p: number; http_api: number; ssh: number };
/** When the dead host was first asked, and when the live node was (performance.now()). */
let deadAskedAt: number | undefined;
let liveAskedAt: number | undefined;

beforeAll(async () => {
  dead = await startDeadHost(DEAD, 0, () => (deadAskedAt ??= performance.now()));
  const p2p = await startHttp(LIVE, (_req, res) => {
    liveAskedAt ??= performance.now();
    json(res, 200, p2pBody());
  });
  const http = await startHttp(LIVE, (_req, res) => json(res, 200, { ok: true }));
  const ssh = await startBanner(LIVE, 'SSH-2.0-OpenSSH_9.2p1\r\n');
  servers.push(dead, p2p, http, ssh);
  livePorts = { p2p: p2p.port, http_api: http.port, ssh: ssh.port };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('probe slots', () => {
  it('probes the live node behind a dead one while the dead one is still waiting out its full deadline', async () => {
    const deadPorts = { p2p: dead.port, http_api: dead.port, ssh: dead.port };
    const acts = createActivities({
      cluster: () => cluster([host('dead', DEAD, deadPorts), host('live', LIVE, livePorts)]),
      // One slot: without parking, the live node would wait for the dead one's whole deadline.
      policy: fastPolicy({ concurrency: 1, connectTimeoutMs: TIMEOUT_MS, totalTimeoutMs: TIMEOUT_MS }),
    });
    const { result } = await runActivity(() => acts.probeNodes({ nodes: ['dead', 'live'] }));
    const [d, l] = result;
    // The dead node is still declared dead only after its deadline, on every check.
    expect(d).toMatchObject({ name: 'dead', via: 'none' });
    for (const c of Object.values(d!.checks)) expect(c).toMatchObject({ ok: false, error: 'timeout' });
    expect(l).toMatchObject({ name: 'live', via: 'primary', checks: { p2p: { ok: true }, http: { ok: true }, ssh: { ok: true } } });
    // …but the live node was asked while the dead one was still early in that deadline (it
    // gives its slot back after PARK_AFTER_MS; holding it, the live node came a whole timeout later).
    expect(deadAskedAt).toBeDefined();
    expect(liveAskedAt! - deadAskedAt!).toBeLessThan(TIMEOUT_MS / 2);
  });
});
