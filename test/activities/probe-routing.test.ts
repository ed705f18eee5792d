// §3.4 routing checks ride along with the probe sweep (docs/explanation/performance.md): a node
// still silent halfway through its deadline gets its routing check while it waits out that
// deadline, not after the sweep. Subnet 127.37.x.y, raw servers only.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { subnet } from '../helpers/subnets.js';
import { waitFor } from '../helpers/wait.js';
import { cluster, fastPolicy, host, json, p2pBody, runActivity, type Running, startBanner, startDeadHost, startHttp } from './helpers.js';

const NET = subnet('activities/probe-routing');
const DEAD_A = `127.${NET}.0.1`;
const DEAD_B = `127.${NET}.0.3`;
const LIVE = `127.${NET}.0.2`;
/** Answers on P2P and HTTP, but its SSH port accepts and never sends a banner. */
const HALF = `127.${NET}.0.4`;
const TIMEOUT_MS = 2_000;

interface SilentHost extends Running {
  ports: { p2p: number; http_api: number; ssh: number };
  /** For each accepted connection, how many earlier ones were still open when it arrived. */
  openAtAccept: number[];
}

/**
 * The simulator's host-down: P2P, HTTP and SSH ports accept TCP and never answer. Each accept
 * notes how many connections (on any of the three) were still open.
 */
async function startSilentHost(address: string): Promise<SilentHost> {
  const sockets = new Set<Socket>();
  const openAtAccept: number[] = [];
  const listen = async (): Promise<{ port: number; server: Server }> => {
    const server = createServer((s) => {
      openAtAccept.push(sockets.size);
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, address, () => resolve()));
    return { port: (server.address() as { port: number }).port, server };
  };
  const [p2p, http, ssh] = [await listen(), await listen(), await listen()];
  return {
    openAtAccept,
    ports: { p2p: p2p.port, http_api: http.port, ssh: ssh.port },
    port: p2p.port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([p2p, http, ssh].map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

const servers: Running[] = [];
let deadA: SilentHost;
let deadB: SilentHost;
let livePorts: { p2p: number; http_api: number; ssh: number };
let halfPorts: { p2p: number; http_api: number; ssh: number };
/** Connections accepted by the half-live node's silent SSH port. */
let halfSshAccepts = 0;

beforeAll(async () => {
  [deadA, deadB] = await Promise.all([startSilentHost(DEAD_A), startSilentHost(DEAD_B)]);
  const p2p = await startHttp(LIVE, (_req, res) => json(res, 200, p2pBody()));
  const http = await startHttp(LIVE, (_req, res) => json(res, 200, { ok: true }));
  const ssh = await startBanner(LIVE, 'SSH-2.0-OpenSSH_9.2p1\r\n');
  servers.push(deadA, deadB, p2p, http, ssh);
  livePorts = { p2p: p2p.port, http_api: http.port, ssh: ssh.port };
  const halfP2p = await startHttp(HALF, (_req, res) => json(res, 200, p2pBody()));
  const halfHttp = await startHttp(HALF, (_req, res) => json(res, 200, { ok: true }));
  const halfSsh = await startDeadHost(HALF, 0, () => void halfSshAccepts++);
  servers.push(halfP2p, halfHttp, halfSsh);
  halfPorts = { p2p: halfP2p.port, http_api: halfHttp.port, ssh: halfSsh.port };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function activities() {
  return createActivities({
    cluster: () => cluster([host('dead-a', DEAD_A, deadA.ports), host('live', LIVE, livePorts), host('dead-b', DEAD_B, deadB.ports), host('half', HALF, halfPorts)]),
    policy: fastPolicy({ connectTimeoutMs: TIMEOUT_MS / 2, totalTimeoutMs: TIMEOUT_MS }),
  });
}

describe('routing during the probe timeout wait', () => {
  it('routes a silent node while its probe connections are still waiting, within the budget, and never a live one', async () => {
    deadA.openAtAccept.length = 0;
    deadB.openAtAccept.length = 0;
    const { result } = await runActivity(() => activities().probeNodes({ nodes: ['dead-a', 'live', 'dead-b'], routeSilent: 1 }));
    const [a, live, b] = result;
    // Both dead nodes are still dead only after their full deadline, on every check.
    for (const d of [a, b]) {
      expect(d).toMatchObject({ via: 'none' });
      for (const c of Object.values(d!.checks)) expect(c).toMatchObject({ ok: false, error: 'timeout' });
    }
    expect(live).toMatchObject({ name: 'live', via: 'primary', checks: { p2p: { ok: true }, http: { ok: true }, ssh: { ok: true } } });
    expect(live!.routing).toBeUndefined();
    // A budget of one: exactly one of the two silent nodes carries §3.4's checks.
    const routed = [a, b].filter((d) => d!.routing !== undefined);
    expect(routed, 'silent nodes with routing (budget 1)').toHaveLength(1);
    const r = routed[0]!;
    expect(r.routing).toMatchObject({ node: r.name, dns: { ok: true }, tcp: [{ ok: true }, { ok: true }] });
    // The routing check's two TCP connects (P2P and SSH port, §3.4 `nc -vz`) reached the host
    // while the probe's three connections (P2P, HTTP, SSH) were still open, waiting out the deadline.
    const seen = (r.name === 'dead-a' ? deadA : deadB).openAtAccept;
    // Both connects completed (tcp ok above); the server's accept callbacks may still be queued.
    await waitFor('five connections accepted by the routed host', () => seen.length >= 5, { timeoutMs: 10_000 });
    expect(seen, 'connections open at each accept').toHaveLength(5);
    expect(seen.slice(3).every((open) => open >= 3), `open at the routing connects: ${seen.join(',')}`).toBe(true);
  });

  it('does not route a node that answered on some check while another still waits (slow SSH banner)', async () => {
    // Without routing: the probe's own connections to the silent SSH port.
    halfSshAccepts = 0;
    const plain = await runActivity(() => activities().probeNodes({ nodes: ['half'] }));
    const probeOnly = halfSshAccepts;
    expect(probeOnly, 'the SSH check connected').toBeGreaterThan(0);
    // With a routing budget: the node has answered on P2P and HTTP at once, so it is not silent,
    // though its SSH check runs to the deadline. A routing check would connect to its SSH port
    // (§3.4 `nc -vz`) halfway through; none may.
    halfSshAccepts = 0;
    const asked = await runActivity(() => activities().probeNodes({ nodes: ['half'], routeSilent: 1 }));
    for (const { result } of [plain, asked]) {
      expect(result[0]).toMatchObject({ name: 'half', via: 'primary', checks: { p2p: { ok: true }, http: { ok: true }, ssh: { ok: false, error: 'timeout' } } });
      expect(result[0]!.routing).toBeUndefined();
    }
    expect(halfSshAccepts, 'connections to the SSH port with a routing budget').toBe(probeOnly);
  });

  it('starts no routing check when its timer fires late: the worker is the slow one, and routingChecks covers the node after the sweep', async () => {
    deadA.openAtAccept.length = 0;
    const sweep = runActivity(() => activities().probeNodes({ nodes: ['dead-a'], routeSilent: 1 }));
    // The node's routing timer is armed before its first probe connection: once the host has
    // accepted one, block this event loop (the activity's) past the halfway timer and its 500 ms
    // lag allowance.
    await waitFor('the probe connected', () => deadA.openAtAccept.length > 0, { timeoutMs: 10_000, intervalMs: 5 });
    const until = performance.now() + TIMEOUT_MS / 2 + 700;
    while (performance.now() < until) {
      // busy: the worker is overloaded
    }
    const { result } = await sweep;
    expect(result[0]).toMatchObject({ name: 'dead-a', via: 'none' });
    expect(result[0]!.routing).toBeUndefined();
  });

  it('routes nothing unless asked (the health monitor and other sweeps)', async () => {
    const { result } = await runActivity(() => activities().probeNodes({ nodes: ['dead-a', 'live'] }));
    expect(result.map((p) => p.routing)).toEqual([undefined, undefined]);
  });
});
