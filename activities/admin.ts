// §4.4 admin API on the coordinator: sync status and trigger. The admin key must never cross a
// network in clear text, so it travels one of the ways `admin_api` allows (admin-transport.ts):
// by default over SSH to curl on the coordinator's own loopback, as the runbook does. URLs,
// messages and results never contain it.
import { z } from 'zod';
import type { ClusterSpec } from '../src/domain/cluster-spec.js';
import { capNodeText } from '../src/domain/node-text.js';
import type { SyncStatus } from '../src/domain/probes.js';
import { type AdminChannel, type AdminTransportOptions, openAdminChannel } from './transport/admin-api.js';
import { AdminApiError, AdminAuthError, AdminKeyMissingError, ConfigInvalidError } from './errors.js';

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

/** Several calls over one connection (one SSH session for a whole watch loop). */
export interface AdminSession {
  syncStatus(signal: AbortSignal): Promise<SyncStatus>;
  close(): void;
}

export interface AdminClient {
  syncStatus(signal: AbortSignal): Promise<SyncStatus>;
  triggerSync(categories: readonly string[], signal: AbortSignal): Promise<{ accepted: boolean }>;
  session(): AdminSession;
}

export function createAdminClient(opts: Omit<AdminTransportOptions, 'key'> & { cluster: () => ClusterSpec; adminKey: string | undefined }): AdminClient {
  const open = (): AdminChannel => {
    const key = opts.adminKey;
    if (key === undefined || key === '') throw new AdminKeyMissingError();
    // A line break would let the key smuggle extra headers (curl reads them line by line).
    if (/[\r\n]/.test(key)) throw new ConfigInvalidError('RUNBOOK_ADMIN_KEY contains a line break');
    return openAdminChannel(opts.cluster(), { ...opts, key });
  };

  async function call(channel: AdminChannel, method: 'GET' | 'POST', pathAndQuery: string, signal: AbortSignal) {
    const answer = await channel.request(method, pathAndQuery, signal);
    if (answer.status === 401 || answer.status === 403) throw new AdminAuthError(answer.where, answer.status);
    if (answer.status >= 500) throw new AdminApiError(answer.where, `HTTP ${answer.status}`);
    return answer;
  }

  async function syncStatusOn(channel: AdminChannel, signal: AbortSignal): Promise<SyncStatus> {
    const answer = await call(channel, 'GET', '/admin/sync/status', signal);
    if (answer.status !== 200) throw new AdminApiError(answer.where, `HTTP ${answer.status}`);
    let doc: unknown;
    try {
      doc = JSON.parse(answer.text);
    } catch {
      throw new AdminApiError(answer.where, 'sync status is not JSON');
    }
    return toSyncStatus(doc, answer.where);
  }

  /** One call on its own channel, closed afterwards. */
  async function once<T>(fn: (channel: AdminChannel) => Promise<T>): Promise<T> {
    const channel = open();
    try {
      return await fn(channel);
    } finally {
      channel.close();
    }
  }

  return {
    syncStatus: (signal) => once((ch) => syncStatusOn(ch, signal)),
    triggerSync: (categories, signal) =>
      once(async (ch) => {
        const query = new URLSearchParams(categories.map((c): [string, string] => ['categories', c])).toString();
        const answer = await call(ch, 'POST', `/admin/sync/trigger${query ? `?${query}` : ''}`, signal);
        return { accepted: answer.status >= 200 && answer.status <= 299 };
      }),
    session() {
      const channel = open();
      return { syncStatus: (signal) => syncStatusOn(channel, signal), close: () => channel.close() };
    },
  };
}
