// §6.1 reachability through the real activity: procedures that ask at once share one sweep, and a
// cancelled caller leaves it without taking the others down (activities/transport/shared-in-flight.ts).
// Real loopback servers: a live node and a dead host that accepts TCP and never answers, so the
// sweep lasts one probe timeout and the cancellation lands while it runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { subnet } from '../helpers/subnets.js';
import { waitFor } from '../helpers/wait.js';
import { cluster, fastPolicy, host, json, newEnv, p2pBody, type Running, startBanner, startDeadHost, startHttp } from './helpers.js';

const S = subnet('activities/reachability-shared');
const DEAD = `127.${S}.0.1`;
const LIVE = `127.${S}.0.2`;
const TIMEOUT_MS = 2_000;

const servers: Running[] = [];
let statusAsked = 0;
let acts: ReturnType<typeof createActivities>;

beforeAll(async () => {
  const dead = await startDeadHost(DEAD);
  const p2p = await startHttp(LIVE, (_req, res) => {
    statusAsked++;
    json(res, 200, p2pBody());
  });
  const http = await startHttp(LIVE, (_req, res) => json(res, 200, { ok: true }));
  const ssh = await startBanner(LIVE, 'SSH-2.0-OpenSSH_9.2p1\r\n');
  servers.push(dead, p2p, http, ssh);
  acts = createActivities({
    cluster: () =>
      cluster([
        host('dead', DEAD, { p2p: dead.port, http_api: dead.port, ssh: dead.port }),
        host('live', LIVE, { p2p: p2p.port, http_api: http.port, ssh: ssh.port }),
      ]),
    policy: fastPolicy({ connectTimeoutMs: TIMEOUT_MS, totalTimeoutMs: TIMEOUT_MS }),
  });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('§6.1 reachability shared by concurrent procedures', () => {
  it('the first caller is cancelled mid-sweep: it leaves, and the second still gets the one sweep’s measurement', async () => {
    const first = newEnv();
    const second = newEnv();
    const a = first.run(() => acts.reachability({}));
    const b = second.run(() => acts.reachability({}));
    void a.catch(() => undefined);
    // Cancelled while the sweep is under way (the live node answered, the dead host is still timing out).
    await waitFor('the sweep to reach the live node', () => statusAsked >= 1);
    first.cancel('CANCELLED');
    await expect(a).rejects.toThrow(/cancel/i);
    expect(await b).toEqual({ total: 2, unreachable: 1 });
    // One sweep for both callers: the live node was asked once.
    expect(statusAsked).toBe(1);
  });
});
