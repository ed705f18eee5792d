// §4.4 admin API activities. Over SSH to curl on the coordinator's loopback (the default) against
// the simulator (subnet 60); the key must never reach a plain-HTTP listener; the watch loop's
// verdicts (complete, stall, outage) as units with a fake status source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { AdminApiError, AdminAuthError, AdminKeyMissingError, AdminUnreachableError, ConfigInvalidError } from '../../activities/errors.js';
import { watchSync } from '../../activities/wait.js';
import { loadCluster } from '../../src/config/loader.js';
import type { ClusterSpec } from '../../src/domain/cluster-spec.js';
import type { SyncStatus } from '../../src/domain/probes.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { fastPolicy, json, logs, runActivity, type Running, startHttp } from './helpers.js';
import { subnet } from '../helpers/subnets.js';

const KEY = 'adm-7f3c9e2a-SECRET-value';
let sim: SimulatorHandle;
let spec: ClusterSpec;

beforeAll(async () => {
  sim = await startSimulator({ nodes: 3, voters: 3, subnet: subnet('activities/admin'), timeScale: 0.05, seed: 5, adminKey: KEY });
  spec = loadCluster(sim.hostsFile);
});
afterAll(async () => {
  await sim?.stop();
});

const make = (adminKey?: string, over: Partial<ClusterSpec> = {}) =>
  createActivities({ cluster: () => ({ ...spec, ...over }), policy: fastPolicy({ totalTimeoutMs: 3000 }), ...(adminKey !== undefined && { adminKey }) });

describe('admin API over SSH on the coordinator (§4.4)', () => {
  it('maps sync status', async () => {
    const { result } = await runActivity(() => make(KEY).syncStatus({}));
    expect(result).toMatchObject({ stalled: false, inProgress: false, progress: 1 });
    expect(Object.keys(result.categories).sort()).toEqual(['elo', 'games', 'models', 'training']);
    expect(result.categories['games']).toMatchObject({ progress: 1, pending: 0 });
  });

  it('triggers a sync with curl on the coordinator over SSH: the key is in no command line and crosses no plain HTTP', async () => {
    const { result } = await runActivity(() => make(KEY).triggerSync({ categories: ['games', 'models'] }));
    expect(result).toEqual({ accepted: true });
    const trigger = sim.state().mutations.filter((m) => m.command.includes('/admin/sync/trigger')).at(-1);
    // source "http" would mean the request came over the network to :8001 (the old way).
    expect(trigger).toMatchObject({ source: 'ssh', node: spec.coordinator });
    expect(trigger!.command).toContain("-H @- 'http://localhost:8001/admin/sync/trigger?categories=games&categories=models'");
    expect(JSON.stringify(sim.state())).not.toContain(KEY);
  });

  it('watches a triggered sync to completion', async () => {
    await runActivity(() => make(KEY).triggerSync({ categories: [] }));
    const { result, heartbeats } = await runActivity(() => make(KEY).watchSync({ timeoutMs: 20_000, stallMs: 10_000, intervalMs: 50 }));
    expect(result.outcome).toBe('complete');
    expect(heartbeats.length).toBeGreaterThan(0);
    expect(JSON.stringify(heartbeats)).not.toContain(KEY);
  });

  it('refuses to call without a key (non-retryable)', async () => {
    const p = runActivity(() => make().syncStatus({}));
    await expect(p).rejects.toThrow(AdminKeyMissingError);
    await expect(p).rejects.toMatchObject({ nonRetryable: true });
  });

  it('refuses a key with a line break (it could smuggle headers into curl)', async () => {
    await expect(runActivity(() => make(`${KEY}\nX-Other: 1`).syncStatus({}))).rejects.toThrow(ConfigInvalidError);
  });

  it('turns 401 into a non-retryable AdminAuthError that does not contain the key', async () => {
    const wrong = `${KEY}-wrong`;
    const p = runActivity(() => make(wrong).triggerSync({ categories: ['games'] }));
    await expect(p).rejects.toThrow(AdminAuthError);
    const err = (await p.catch((e: unknown) => e)) as Error;
    for (const text of [err.message, String(err.stack), JSON.stringify(err)]) {
      expect(text).not.toContain(KEY);
    }
  });

  it('admin-down is AdminUnreachableError (connection refused), retryable', async () => {
    sim.fault('cluster', 'admin-down');
    try {
      const p = runActivity(() => make(KEY).syncStatus({}));
      await expect(p).rejects.toThrow(AdminUnreachableError);
      await expect(p).rejects.toMatchObject({ reason: 'ECONNREFUSED' });
      await expect(p).rejects.not.toMatchObject({ nonRetryable: true });
    } finally {
      sim.fault('cluster', 'admin-down', { clear: true });
    }
  });

  it('never logs the key', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs.map((l) => [l.message, l.meta]))).not.toContain(KEY);
  });
});

describe('the key never crosses a network in clear text', () => {
  const SNIFF = '127.60.200.1';
  let sniffer: Running;
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    sniffer = await startHttp(SNIFF, (req, res) => {
      seen.push(req.headers['x-admin-key'] as string | undefined);
      json(res, 200, { stalled: false, in_progress: false, progress: 1, categories: {} });
    });
  });
  afterAll(() => sniffer.close());

  it('sends nothing to a plain-HTTP admin port on the coordinator’s configured address', async () => {
    // The coordinator's configured host is a plain-HTTP listener (a public address in the shipped
    // config): the old client sent X-Admin-Key there, then to the fallback.
    const coord = spec.hosts.find((h) => h.name === spec.coordinator)!;
    const hosts = spec.hosts.map((h) =>
      h === coord ? { ...h, host: SNIFF, fallback_host: SNIFF, ports: { ...h.ports, admin: sniffer.port } } : h,
    );
    await runActivity(() => make(KEY, { hosts }).syncStatus({})).catch(() => undefined);
    expect(seen).toEqual([]);
  });

  it('refuses an http:// URL for transport https, and a non-Tailscale address for transport tailscale, before sending anything', async () => {
    const url = `http://${SNIFF}:${sniffer.port}`;
    await expect(runActivity(() => make(KEY, { admin_api: { transport: 'https', url } }).syncStatus({}))).rejects.toThrow(/clear text/);
    await expect(runActivity(() => make(KEY, { admin_api: { transport: 'tailscale', url } }).syncStatus({}))).rejects.toThrow(ConfigInvalidError);
    expect(seen).toEqual([]);
  });
});

describe('watchSync verdicts', () => {
  type Mode = 'moving' | 'crawl' | 'stuck' | 'api-stalled' | 'error' | 'down';
  let mode: Mode = 'moving';
  let calls = 0;
  const status = async (): Promise<SyncStatus> => {
    calls++;
    if (mode === 'error') throw new AdminApiError('coord', 'HTTP 503');
    if (mode === 'down') throw new AdminUnreachableError('localhost:8001 on coord (over SSH)', 'ECONNREFUSED');
    const progress = mode === 'moving' ? Math.min(1, calls * 0.25) : mode === 'crawl' ? calls * 0.001 : 0.3;
    return {
      stalled: mode === 'api-stalled',
      inProgress: progress < 1,
      progress,
      categories: { games: { progress, lastSyncAt: null, pending: progress < 1 ? 12 : 0 } },
    };
  };

  it('reports complete once progress reaches 1, heartbeating progress', async () => {
    mode = 'moving';
    calls = 0;
    const { result, heartbeats } = await runActivity(() => watchSync({ timeoutMs: 10_000, stallMs: 5000, intervalMs: 20 }, status));
    expect(result).toEqual({ outcome: 'complete', progress: 1 });
    expect(heartbeats.map((h) => (h as { progress: number }).progress)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('detects a stall when progress does not move for stallMs', async () => {
    mode = 'stuck';
    const { result, heartbeats } = await runActivity(() => watchSync({ timeoutMs: 30_000, stallMs: 200, intervalMs: 20 }, status));
    expect(result).toEqual({ outcome: 'stalled', progress: 0.3 });
    expect(heartbeats.length).toBeGreaterThan(2);
  });

  it('reports stalled at once when the API says so', async () => {
    mode = 'api-stalled';
    const { result, heartbeats } = await runActivity(() => watchSync({ timeoutMs: 30_000, stallMs: 60_000, intervalMs: 20 }, status));
    expect(result.outcome).toBe('stalled');
    expect(heartbeats).toHaveLength(1);
  });

  it('resumes the stall clock from heartbeat details of a previous attempt', async () => {
    mode = 'stuck';
    const now = Date.now();
    const { result, heartbeats } = await runActivity(() => watchSync({ timeoutMs: 600_000, stallMs: 5000, intervalMs: 20 }, status), {
      heartbeatDetails: { polls: 7, startedAt: now - 20_000, progress: 0.3, movedAt: now - 10_000 },
    });
    expect(result.outcome).toBe('stalled');
    expect(heartbeats[0]).toMatchObject({ polls: 8, progress: 0.3, movedAt: now - 10_000 });
  });

  it('times out when progress keeps moving but never completes in time', async () => {
    mode = 'crawl';
    calls = 0;
    const { result, heartbeats } = await runActivity(() => watchSync({ timeoutMs: 150, stallMs: 60_000, intervalMs: 20 }, status));
    expect(result.outcome).toBe('timeout');
    expect(result.progress).toBeGreaterThan(0);
    expect(heartbeats.length).toBeGreaterThan(1);
  });

  it('an admin API outage is admin-unreachable, never a stall (§4.4: no resync on an outage)', async () => {
    mode = 'down';
    const { result } = await runActivity(() => watchSync({ timeoutMs: 30_000, stallMs: 200, intervalMs: 20 }, status));
    expect(result).toMatchObject({ outcome: 'admin-unreachable', error: 'ECONNREFUSED' });
  });

  it('an outage after some answers is still not a stall, even once the stall window has passed', async () => {
    // The answers move (so no answer can be a stall, however slow the machine); the stall
    // window then passes during the outage, which must not be read as a stall.
    mode = 'crawl';
    calls = 0;
    let n = 0;
    const flaky = async (): Promise<SyncStatus> => {
      if (++n > 2) mode = 'down';
      return status();
    };
    const { result } = await runActivity(() => watchSync({ timeoutMs: 30_000, stallMs: 100, intervalMs: 20, unreachableMs: 300 }, flaky));
    expect(result.outcome).toBe('admin-unreachable');
  });

  it('5xx blips do not end the watch while answers resume', async () => {
    let n = 0;
    mode = 'moving';
    calls = 0;
    const blippy = async (): Promise<SyncStatus> => {
      n++;
      if (n % 2 === 0) throw new AdminApiError('coord', 'HTTP 503');
      return status();
    };
    const { result } = await runActivity(() => watchSync({ timeoutMs: 10_000, stallMs: 5000, intervalMs: 10 }, blippy));
    expect(result.outcome).toBe('complete');
  });
});
