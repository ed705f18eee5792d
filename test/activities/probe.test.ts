import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import {
  cluster,
  fastPolicy,
  host,
  json,
  p2pBody,
  refusedPort,
  runActivity,
  type Running,
  startBanner,
  startDeadHost,
  startHttp,
} from './helpers.js';

// 127.41.1.x: healthy node; .2: refused everywhere; .3 dead primary with a healthy fallback .4;
// .5: bad /status body; .6: dead everywhere.
const OK = '127.41.1.1';
const REFUSED = '127.41.1.2';
const DEAD = '127.41.1.3';
const FALLBACK = '127.41.1.4';
const BADBODY = '127.41.1.5';

const servers: Running[] = [];
let okPorts: { p2p: number; http_api: number; ssh: number };
let fallbackPorts: { p2p: number; http_api: number; ssh: number };
let deadPort: number;
let badPorts: { p2p: number; http_api: number; ssh: number };

async function healthyNode(address: string, status: Record<string, unknown> = p2pBody()) {
  const p2p = await startHttp(address, (req, res) =>
    req.url === '/status' ? json(res, 200, status) : json(res, 404, { error: 'nope' }),
  );
  const http = await startHttp(address, (req, res) => (req.url === '/health' ? json(res, 200, { ok: true }) : json(res, 404, {})));
  const ssh = await startBanner(address, 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n');
  servers.push(p2p, http, ssh);
  return { p2p: p2p.port, http_api: http.port, ssh: ssh.port };
}

beforeAll(async () => {
  okPorts = await healthyNode(OK);
  const dead = await startDeadHost(DEAD);
  servers.push(dead);
  deadPort = dead.port;
  // The fallback serves on the same port numbers as the dead primary would; give it its own.
  fallbackPorts = await healthyNode(FALLBACK, p2pBody({ node_id: 'fb' }));
  badPorts = await healthyNode(BADBODY, { status: 'running', alive_peers: 'three' });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('probeNodes', () => {
  it('reports a healthy node with its parsed status, all checks via the primary', async () => {
    const acts = createActivities({ cluster: () => cluster([host('ok', OK, okPorts)]), policy: fastPolicy() });
    const { result } = await runActivity(() => acts.probeNodes({ nodes: ['ok'] }));
    expect(result).toHaveLength(1);
    const [probe] = result;
    expect(probe).toMatchObject({
      name: 'ok',
      via: 'primary',
      checks: { p2p: { ok: true, via: 'primary' }, http: { ok: true, via: 'primary' }, ssh: { ok: true, via: 'primary' } },
      status: { status: 'running', leader_id: 'n1', alive_peers: 3, total_peers: 3, cluster_health: 'healthy' },
    });
    // Fields outside the §3.1 set are not carried into history.
    expect(JSON.stringify(probe)).not.toContain('"error"');
  });

  it('classifies refused ports as ECONNREFUSED results, never a throw', async () => {
    const port = await refusedPort(REFUSED);
    const acts = createActivities({
      cluster: () => cluster([host('refused', REFUSED, { p2p: port, http_api: port, ssh: port })]),
      policy: fastPolicy(),
    });
    const { result } = await runActivity(() => acts.probeNodes({ nodes: ['refused'] }));
    expect(result[0]).toMatchObject({
      name: 'refused',
      via: 'none',
      checks: {
        p2p: { ok: false, error: 'ECONNREFUSED' },
        http: { ok: false, error: 'ECONNREFUSED' },
        ssh: { ok: false, error: 'ECONNREFUSED' },
      },
    });
    expect(result[0]!.status).toBeUndefined();
  });

  it('finishes a dead host (accepts TCP, never answers) and classifies every check as timeout', async () => {
    const ports = { p2p: deadPort, http_api: deadPort, ssh: deadPort };
    const acts = createActivities({ cluster: () => cluster([host('dead', DEAD, ports)]), policy: fastPolicy() });
    const { result } = await runActivity(() => acts.probeNodes({ nodes: ['dead'] }));
    expect(result[0]).toMatchObject({
      via: 'none',
      checks: { p2p: { ok: false, error: 'timeout' }, http: { ok: false, error: 'timeout' }, ssh: { ok: false, error: 'timeout' } },
    });
  });

  it('races the fallback when the primary does not answer and reports via fallback', async () => {
    // Primary accepts and stalls on every port; fallback answers on the same port numbers.
    const dead = [await startDeadHost(DEAD, fallbackPorts.p2p), await startDeadHost(DEAD, fallbackPorts.http_api), await startDeadHost(DEAD, fallbackPorts.ssh)];
    try {
      const acts = createActivities({
        cluster: () => cluster([host('fb', DEAD, fallbackPorts, { fallback_host: FALLBACK })]),
        policy: fastPolicy({ totalTimeoutMs: 3000 }),
      });
      const { result } = await runActivity(() => acts.probeNodes({ nodes: ['fb'] }));
      expect(result[0]).toMatchObject({
        via: 'fallback',
        checks: { p2p: { ok: true, via: 'fallback' }, http: { ok: true, via: 'fallback' }, ssh: { ok: true, via: 'fallback' } },
        status: { node_id: 'fb' },
      });
      expect(dead.every((d) => d.accepted() > 0)).toBe(true);
    } finally {
      await Promise.all(dead.map((d) => d.close()));
    }
  });

  it('prefers the primary when both addresses answer', async () => {
    const acts = createActivities({
      cluster: () => cluster([host('both', OK, okPorts, { fallback_host: OK })]),
      policy: fastPolicy(),
    });
    const { result } = await runActivity(() => acts.probeNodes({ nodes: ['both'] }));
    expect(result[0]!.via).toBe('primary');
  });

  it('rejects a /status body that fails validation, while the node still counts as answering', async () => {
    const acts = createActivities({ cluster: () => cluster([host('bad', BADBODY, badPorts)]), policy: fastPolicy() });
    const { result } = await runActivity(() => acts.probeNodes({ nodes: ['bad'] }));
    expect(result[0]!.checks.p2p.ok).toBe(false);
    expect(result[0]!.checks.p2p.error).toMatch(/^invalid body: alive_peers/);
    expect(result[0]!.checks.http.ok).toBe(true);
    expect(result[0]!.via).toBe('primary');
    expect(result[0]!.status).toBeUndefined();
  });

  it('probes a large batch with bounded concurrency and heartbeats its progress', async () => {
    const hosts = Array.from({ length: 450 }, (_, i) => host(`n${i}`, OK, okPorts));
    // All 450 share one origin (one connection), unlike a real cluster: a generous deadline, so
    // that a busy machine queueing them on it is not read as dead nodes (not what this checks).
    const acts = createActivities({ cluster: () => cluster(hosts), policy: fastPolicy({ concurrency: 64, connectTimeoutMs: 5_000, totalTimeoutMs: 20_000 }) });
    const { result, heartbeats } = await runActivity(() => acts.probeNodes({ nodes: hosts.map((h) => h.name) }));
    expect(result.map((r) => r.name)).toEqual(hosts.map((h) => h.name));
    expect(result.every((r) => r.checks.p2p.ok)).toBe(true);
    const dones = heartbeats.map((h) => (h as { done: number }).done);
    expect(dones.length).toBeGreaterThanOrEqual(3);
    expect(dones).toContain(200);
    expect(dones.at(-1)).toBe(450);
  });

  it('reports a node missing from the config as a result', async () => {
    const acts = createActivities({ cluster: () => cluster([host('ok', OK, okPorts)]), policy: fastPolicy() });
    const { result } = await runActivity(() => acts.probeNodes({ nodes: ['ghost'] }));
    expect(result[0]).toMatchObject({ name: 'ghost', via: 'none', checks: { p2p: { ok: false, error: 'unknown node' } } });
  });

  it('stops when the activity is cancelled', async () => {
    const ports = { p2p: deadPort, http_api: deadPort, ssh: deadPort };
    const hosts = Array.from({ length: 20 }, (_, i) => host(`d${i}`, DEAD, ports));
    const acts = createActivities({
      cluster: () => cluster(hosts),
      policy: fastPolicy({ totalTimeoutMs: 30_000, connectTimeoutMs: 30_000, concurrency: 2 }),
    });
    const env = new MockActivityEnvironment();
    const p = env.run(() => acts.probeNodes({ nodes: hosts.map((h) => h.name) }));
    setTimeout(() => env.cancel(), 100);
    await expect(p).rejects.toBeInstanceOf(CancelledFailure);
  });
});
