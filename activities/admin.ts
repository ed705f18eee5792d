// §4.4 admin API on the coordinator: sync status and trigger. The admin key travels only in the
// X-Admin-Key header; URLs, messages and results never contain it.
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { ClusterSpec } from '../src/domain/cluster.js';
import { capNodeText } from '../src/domain/node-text.js';
import type { SyncStatus } from '../src/domain/probes.js';
import { candidates, findHost, httpBase } from './cluster.js';
import { AdminApiError, AdminAuthError, AdminKeyMissingError } from './errors.js';
import { failureReason, type HttpAnswer, httpCall } from './http.js';
import { withDeadline } from './abort.js';

const fraction = z.number().min(0);

const adminSyncSchema = z.object({
  stalled: z.boolean().default(false),
  in_progress: z.boolean().default(false),
  progress: fraction.default(0),
  categories: z
    .record(
      z.object({
        progress: fraction.default(0),
        last_sync_at: z.string().nullish(),
        pending: z.number().int().nonnegative().default(0),
      }),
    )
    .default({}),
});

/** The runbook knows four (games, models, training, elo); more is a confused or hostile API. */
const MAX_SYNC_CATEGORIES = 32;

/** Progress as 0..1; values in (1, 100] are taken as percentages. */
function unit(p: number): number {
  const v = p > 1 ? p / 100 : p;
  return Math.min(1, Math.max(0, v));
}

export function toSyncStatus(doc: unknown, url: string): SyncStatus {
  const parsed = adminSyncSchema.safeParse(doc);
  if (!parsed.success) throw new AdminApiError(url, 'unexpected sync status body');
  const d = parsed.data;
  const categories: SyncStatus['categories'] = {};
  // Names and timestamps come from the coordinator: capped, and only so many categories kept.
  for (const [name, c] of Object.entries(d.categories).slice(0, MAX_SYNC_CATEGORIES)) {
    const lastSyncAt = c.last_sync_at == null ? null : capNodeText(c.last_sync_at);
    categories[capNodeText(name)] = { progress: unit(c.progress), lastSyncAt, pending: c.pending };
  }
  return { stalled: d.stalled, inProgress: d.in_progress, progress: unit(d.progress), categories };
}

export interface AdminClient {
  syncStatus(signal: AbortSignal): Promise<SyncStatus>;
  triggerSync(categories: readonly string[], signal: AbortSignal): Promise<{ accepted: boolean }>;
}

export function createAdminClient(opts: {
  cluster: () => ClusterSpec;
  adminKey: string | undefined;
  dispatcher: Dispatcher;
  timeoutMs: number;
}): AdminClient {
  async function call(method: 'GET' | 'POST', pathAndQuery: string, signal: AbortSignal): Promise<{ answer: HttpAnswer; url: string }> {
    const key = opts.adminKey;
    if (key === undefined || key === '') throw new AdminKeyMissingError();
    const spec = opts.cluster();
    const coordinator = findHost(spec, spec.coordinator);
    let lastUrl = '';
    let lastErr: unknown;
    // Primary, then the fallback address; only network failures move on.
    for (const cand of candidates(coordinator)) {
      const url = `${httpBase(cand.address, coordinator.ports.admin)}${pathAndQuery}`;
      lastUrl = url;
      try {
        const answer = await withDeadline([signal], opts.timeoutMs, (s) =>
          httpCall(url, {
            method,
            headers: { 'X-Admin-Key': key, accept: 'application/json' },
            signal: s,
            dispatcher: opts.dispatcher,
          }),
        );
        if (answer.status === 401 || answer.status === 403) throw new AdminAuthError(url, answer.status);
        if (answer.status >= 500) throw new AdminApiError(url, `HTTP ${answer.status}`);
        return { answer, url };
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (err instanceof AdminAuthError || err instanceof AdminApiError) throw err;
        lastErr = err;
      }
    }
    // No cause: undici errors can echo request options, and those include the header.
    throw new AdminApiError(lastUrl, failureReason(lastErr));
  }

  return {
    async syncStatus(signal) {
      const { answer, url } = await call('GET', '/admin/sync/status', signal);
      if (answer.status !== 200) throw new AdminApiError(url, `HTTP ${answer.status}`);
      let doc: unknown;
      try {
        doc = JSON.parse(answer.text);
      } catch {
        throw new AdminApiError(url, 'sync status is not JSON');
      }
      return toSyncStatus(doc, url);
    },
    async triggerSync(categories, signal) {
      const query = new URLSearchParams(categories.map((c): [string, string] => ['categories', c])).toString();
      const { answer } = await call('POST', `/admin/sync/trigger${query ? `?${query}` : ''}`, signal);
      return { accepted: answer.status >= 200 && answer.status <= 299 };
    },
  };
}
