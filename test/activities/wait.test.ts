import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import { P2pUnreachableError, UnknownNodeError } from '../../activities/errors.js';
import type { HostSpec } from '../../src/domain/cluster-spec.js';
import { cluster, fastPolicy, host, json, p2pBody, refusedPort, runActivity, type Running, startHttp } from './helpers.js';

const BACKBONE = '127.45.1.1';
const NODE = '127.45.1.2';
const LATE = '127.45.1.3';
const FALLBACK = '127.45.1.4';

let backboneView = p2pBody({ node_id: 'bb', leader_id: 'bb', alive_peers: 3 });
let nodeView = p2pBody({ node_id: 'n2', leader_id: 'bb', alive_peers: 2 });
const elections: string[] = [];
const servers: Running[] = [];
let bbPort: number;
let nodePort: number;

beforeAll(async () => {
  const bb = await startHttp(BACKBONE, (req, res) => (req.url === '/status' ? json(res, 200, backboneView) : json(res, 404, {})));
  const n = await startHttp(NODE, (req, res) => {
    if (req.url === '/status') return json(res, 200, nodeView);
    if (req.url === '/admin/trigger-election' && req.method === 'POST') {
      elections.push(req.url);
      return json(res, 202, { started: true });
    }
    json(res, 404, {});
  });
  servers.push(bb, n);
  bbPort = bb.port;
  nodePort = n.port;
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

function make(extra: HostSpec[] = []) {
  const hosts = [host('bb', BACKBONE, { p2p: bbPort }), host('n2', NODE, { p2p: nodePort }), ...extra];
  return createActivities({ cluster: () => cluster(hosts, { voter_nodes: ['bb'] }), policy: fastPolicy() });
}

describe('p2pStatus and triggerElection', () => {
  it('returns one node’s /status', async () => {
    const { result } = await runActivity(() => make().p2pStatus({ node: 'n2' }));
    expect(result).toMatchObject({ ok: true, via: 'primary', status: { node_id: 'n2', alive_peers: 2 } });
  });

  it('falls back when the primary refuses', async () => {
    const port = await refusedPort(LATE);
    const fb = await startHttp(FALLBACK, (_req, res) => json(res, 200, p2pBody({ node_id: 'fb' })), port);
    try {
      const { result } = await runActivity(() => make([host('late', LATE, { p2p: port }, { fallback_host: FALLBACK })]).p2pStatus({ node: 'late' }));
      expect(result).toMatchObject({ ok: true, via: 'fallback', status: { node_id: 'fb' } });
    } finally {
      await fb.close();
    }
  });

  it('reports an unreachable node as ok:false', async () => {
    const port = await refusedPort(LATE);
    const { result } = await runActivity(() => make([host('late', LATE, { p2p: port })]).p2pStatus({ node: 'late' }));
    expect(result).toEqual({ ok: false, error: 'ECONNREFUSED' });
  });

  it('POSTs /admin/trigger-election', async () => {
    const { result } = await runActivity(() => make().triggerElection({ node: 'n2' }));
    expect(result).toEqual({ accepted: true, httpStatus: 202, via: 'primary' });
    expect(elections).toHaveLength(1);
  });

  it('throws a retryable error when the node cannot be reached, UnknownNodeError for a stranger', async () => {
    const port = await refusedPort(LATE);
    await expect(runActivity(() => make([host('late', LATE, { p2p: port })]).triggerElection({ node: 'late' }))).rejects.toThrow(
      P2pUnreachableError,
    );
    await expect(runActivity(() => make().triggerElection({ node: 'ghost' }))).rejects.toThrow(UnknownNodeError);
  });
});

describe('waitForNode', () => {
  it('polls until the daemon starts answering `running`, heartbeating each poll', async () => {
    const port = await refusedPort(LATE);
    let late: Promise<Running> | undefined;
    let answers = 0;
    // The daemon comes up once a poll was refused, first reporting "starting".
    const comeUp = (): void => {
      late ??= startHttp(LATE, (_req, res) => json(res, 200, p2pBody({ status: answers++ < 2 ? 'starting' : 'running' })), port);
    };
    try {
      const { result, heartbeats } = await runActivity(
        () => make([host('late', LATE, { p2p: port })]).waitForNode({ node: 'late', until: 'p2p-healthy', timeoutMs: 20_000, intervalMs: 40 }),
        {},
        comeUp,
      );
      expect(result.reached).toBe(true);
      expect(result.last?.status).toBe('running');
      expect(result.polls).toBeGreaterThanOrEqual(4);
      expect(heartbeats).toHaveLength(result.polls);
      const errors = heartbeats.map((h) => (h as { error?: string }).error);
      expect(errors).toContain('ECONNREFUSED');
      expect(errors).toContain('status starting');
    } finally {
      await (await late)?.close();
    }
  });

  it('returns reached:false at the deadline and resumes the poll count from heartbeat details', async () => {
    const port = await refusedPort(LATE);
    const { result } = await runActivity(
      () => make([host('late', LATE, { p2p: port })]).waitForNode({ node: 'late', until: 'p2p-healthy', timeoutMs: 200, intervalMs: 40 }),
      { heartbeatDetails: { polls: 10, startedAt: Date.now() } },
    );
    expect(result.reached).toBe(false);
    expect(result.error).toBe('ECONNREFUSED');
    expect(result.polls).toBeGreaterThan(10);
  });

  it('rejoined: waits until the node agrees with the backbone on leader and alive peers', async () => {
    nodeView = p2pBody({ node_id: 'n2', leader_id: 'bb', alive_peers: 2 });
    // The node catches up once a poll saw it disagree.
    const { result, heartbeats } = await runActivity(
      () => make().waitForNode({ node: 'n2', until: 'rejoined', timeoutMs: 20_000, intervalMs: 30 }),
      {},
      () => (nodeView = p2pBody({ node_id: 'n2', leader_id: 'bb', alive_peers: 3 })),
    );
    expect(result).toMatchObject({ reached: true, last: { alive_peers: 3, leader_id: 'bb' } });
    expect((heartbeats[0] as { error?: string }).error).toMatch(/majority sees bb with 3/);
  });

  it('can be cancelled mid-wait', async () => {
    const port = await refusedPort(LATE);
    // Cancelled once it is waiting (its first poll heartbeated), not after a guessed delay.
    const p = runActivity(
      () => make([host('late', LATE, { p2p: port })]).waitForNode({ node: 'late', until: 'p2p-healthy', timeoutMs: 60_000, intervalMs: 50 }),
      {},
      (_d, _n, env) => env.cancel(),
    );
    await expect(p).rejects.toBeInstanceOf(CancelledFailure);
  });
});

describe('waitForLeader', () => {
  it('returns the leader the backbone reports', async () => {
    const { result, heartbeats } = await runActivity(() => make().waitForLeader({ timeoutMs: 5000, intervalMs: 20 }));
    expect(result).toEqual({ leader: 'bb', polls: 1 });
    expect(heartbeats).toHaveLength(1);
  });

  it('polls until a leader appears, null at timeout', async () => {
    backboneView = p2pBody({ leader_id: null });
    nodeView = p2pBody({ leader_id: null });
    // A deadline long enough for several polls on a busy machine: the test counts them.
    const none = await runActivity(() => make().waitForLeader({ timeoutMs: 1_000, intervalMs: 30 }));
    expect(none.result.leader).toBeNull();
    expect(none.result.polls).toBeGreaterThan(1);

    // A leader appears once a poll saw none.
    const { result } = await runActivity(
      () => make().waitForLeader({ timeoutMs: 10_000, intervalMs: 30 }),
      {},
      () => {
        nodeView = p2pBody({ leader_id: 'n2' });
        backboneView = p2pBody({ leader_id: 'n2' });
      },
    );
    expect(result.leader).toBe('n2');
    expect(result.polls).toBeGreaterThan(1);
  });

  it('does not take one node’s word: a leader only a minority names is no leader', async () => {
    // The backbone answers first and names itself; the other source sees no leader.
    backboneView = p2pBody({ leader_id: 'bb' });
    nodeView = p2pBody({ leader_id: null });
    const { result } = await runActivity(() => make().waitForLeader({ timeoutMs: 150, intervalMs: 30 }));
    expect(result.leader).toBeNull();
  });
});
