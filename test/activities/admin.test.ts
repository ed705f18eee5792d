import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { AdminApiError, AdminAuthError, AdminKeyMissingError } from '../../activities/errors.js';
import { cluster, fastPolicy, host, json, logs, runActivity, type Running, startHttp } from './helpers.js';

const ADDR = '127.44.1.1';
const KEY = 'adm-7f3c9e2a-SECRET-value';

type Mode = 'moving' | 'crawl' | 'stuck' | 'api-stalled' | 'error';
let mode: Mode = 'moving';
let calls = 0;
const triggers: Array<{ url?: string; key?: string; method?: string }> = [];
let admin: Running;

beforeAll(async () => {
  admin = await startHttp(ADDR, (req, res) => {
    if (req.headers['x-admin-key'] !== KEY) return json(res, 401, { detail: 'invalid admin key' });
    if (req.url === '/admin/sync/status' && req.method === 'GET') {
      calls++;
      if (mode === 'error') return json(res, 503, { detail: 'busy' });
      const progress = mode === 'moving' ? Math.min(1, calls * 0.25) : mode === 'crawl' ? calls * 0.001 : 0.3;
      return json(res, 200, {
        stalled: mode === 'api-stalled',
        in_progress: progress < 1,
        progress,
        categories: {
          games: { progress, last_sync_at: '2025-12-01T10:00:00Z', pending: progress < 1 ? 12 : 0 },
          models: { progress: 1, last_sync_at: null, pending: 0 },
        },
      });
    }
    if (req.url?.startsWith('/admin/sync/trigger') && req.method === 'POST') {
      triggers.push({ url: req.url, key: req.headers['x-admin-key'] as string, method: req.method });
      return json(res, 202, { accepted: true });
    }
    json(res, 404, {});
  });
});
afterAll(() => admin.close());

const spec = () => cluster([host('coord', ADDR, { admin: admin.port })]);
const make = (adminKey?: string) =>
  createActivities({ cluster: spec, policy: fastPolicy(), ...(adminKey !== undefined && { adminKey }) });

describe('admin API (§4.4)', () => {
  it('maps sync status and sends the key only in X-Admin-Key', async () => {
    mode = 'stuck';
    const { result } = await runActivity(() => make(KEY).syncStatus({}));
    expect(result).toEqual({
      stalled: false,
      inProgress: true,
      progress: 0.3,
      categories: {
        games: { progress: 0.3, lastSyncAt: '2025-12-01T10:00:00Z', pending: 12 },
        models: { progress: 1, lastSyncAt: null, pending: 0 },
      },
    });
    expect(JSON.stringify(result)).not.toContain(KEY);
  });

  it('triggers a sync of the given categories', async () => {
    const { result } = await runActivity(() => make(KEY).triggerSync({ categories: ['games', 'models'] }));
    expect(result).toEqual({ accepted: true });
    expect(triggers.at(-1)).toEqual({ url: '/admin/sync/trigger?categories=games&categories=models', key: KEY, method: 'POST' });
  });

  it('refuses to call without a key (non-retryable)', async () => {
    const p = runActivity(() => make().syncStatus({}));
    await expect(p).rejects.toThrow(AdminKeyMissingError);
    await expect(p).rejects.toMatchObject({ nonRetryable: true });
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

  it('turns 5xx into a retryable AdminApiError', async () => {
    mode = 'error';
    await expect(runActivity(() => make(KEY).syncStatus({}))).rejects.toThrow(AdminApiError);
  });

  it('never logs the key', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs.map((l) => [l.message, l.meta]))).not.toContain(KEY);
  });
});

describe('watchSync', () => {
  it('reports complete once progress reaches 1, heartbeating progress', async () => {
    mode = 'moving';
    calls = 0;
    const { result, heartbeats } = await runActivity(() => make(KEY).watchSync({ timeoutMs: 10_000, stallMs: 5000, intervalMs: 20 }));
    expect(result).toEqual({ outcome: 'complete', progress: 1 });
    expect(heartbeats.map((h) => (h as { progress: number }).progress)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('detects a stall when progress does not move for stallMs', async () => {
    mode = 'stuck';
    const { result, heartbeats } = await runActivity(() => make(KEY).watchSync({ timeoutMs: 30_000, stallMs: 200, intervalMs: 20 }));
    expect(result).toEqual({ outcome: 'stalled', progress: 0.3 });
    expect(heartbeats.length).toBeGreaterThan(2);
  });

  it('reports stalled at once when the API says so', async () => {
    mode = 'api-stalled';
    const { result, heartbeats } = await runActivity(() => make(KEY).watchSync({ timeoutMs: 30_000, stallMs: 60_000, intervalMs: 20 }));
    expect(result.outcome).toBe('stalled');
    expect(heartbeats).toHaveLength(1);
  });

  it('resumes the stall clock from heartbeat details of a previous attempt', async () => {
    mode = 'stuck';
    const now = Date.now();
    const { result, heartbeats } = await runActivity(
      () => make(KEY).watchSync({ timeoutMs: 600_000, stallMs: 5000, intervalMs: 20 }),
      { heartbeatDetails: { polls: 7, startedAt: now - 20_000, progress: 0.3, movedAt: now - 10_000 } },
    );
    expect(result.outcome).toBe('stalled');
    expect(heartbeats[0]).toMatchObject({ polls: 8, progress: 0.3, movedAt: now - 10_000 });
  });

  it('times out when progress keeps moving but never completes in time', async () => {
    mode = 'crawl';
    calls = 0;
    const { result, heartbeats } = await runActivity(() => make(KEY).watchSync({ timeoutMs: 150, stallMs: 60_000, intervalMs: 20 }));
    expect(result.outcome).toBe('timeout');
    expect(result.progress).toBeGreaterThan(0);
    expect(heartbeats.length).toBeGreaterThan(1);
  });
});
