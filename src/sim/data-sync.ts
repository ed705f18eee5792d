// The coordinator's data sync (§4.4): per-category progress that advances with time while a
// sync runs, a stall that freezes it (§6.1 "data sync completely stalled"), and
// force_full_sync that clears the stall. Time is wall-clock, scaled by the cluster's time-scale.

export const SYNC_CATEGORIES = ['games', 'models', 'training', 'elo'] as const;
const SYNC_ITEMS: Record<string, number> = { games: 1840, models: 12, training: 310, elo: 4 };

export interface SyncCategoryStatus {
  progress: number;
  last_sync_at: string | null;
  pending: number;
}

/** The body of `GET /admin/sync/status`. */
export interface SyncStatusBody {
  stalled: boolean;
  in_progress: boolean;
  progress: number;
  categories: Record<string, SyncCategoryStatus>;
}

interface SyncCategory {
  /** Progress at `since` (ms); advances at 1/duration while running and not stalled. */
  base: number;
  since: number;
  running: boolean;
  lastSyncAt: string | null;
}

export class DataSync {
  private readonly categories = new Map<string, SyncCategory>();
  private stalledNow = false;

  /** @param durationMs how long a full sync takes, already scaled. */
  constructor(private readonly durationMs: number) {
    const now = Date.now();
    const synced = new Date(now - 600_000).toISOString();
    for (const c of SYNC_CATEGORIES) this.categories.set(c, { base: 1, since: now, running: false, lastSyncAt: synced });
  }

  get stalled(): boolean {
    return this.stalledNow;
  }

  status(): SyncStatusBody {
    const now = Date.now();
    this.settle(now);
    const categories: Record<string, SyncCategoryStatus> = {};
    let sum = 0;
    let running = false;
    for (const [name, c] of this.categories) {
      const p = this.progressOf(c, now);
      sum += p;
      running ||= c.running;
      categories[name] = {
        progress: round3(p),
        last_sync_at: c.lastSyncAt,
        pending: Math.round((SYNC_ITEMS[name] ?? 10) * (1 - p)),
      };
    }
    return { stalled: this.stalledNow, in_progress: running, progress: round3(sum / this.categories.size), categories };
  }

  /** Starts syncing the given categories (all when empty); returns the unknown ones. */
  trigger(categories: string[]): string[] {
    const now = Date.now();
    this.settle(now);
    const wanted = categories.length === 0 ? [...this.categories.keys()] : categories;
    const unknown = wanted.filter((c) => !this.categories.has(c));
    if (unknown.length > 0) return unknown;
    for (const name of wanted) {
      const c = this.categories.get(name)!;
      if (c.running) continue;
      c.running = true;
      c.base = 0;
      c.since = now;
    }
    return [];
  }

  /** force_full_sync: clears a stall and syncs everything; resolves when done. */
  async forceFull(sleep: (ms: number) => Promise<void>): Promise<void> {
    const now = Date.now();
    this.settle(now);
    for (const c of this.categories.values()) {
      c.base = c.running ? this.progressOf(c, now) : 0;
      c.running = true;
      c.since = now;
    }
    this.stalledNow = false;
    await sleep(this.durationMs);
    this.settle();
  }

  /** sync-stalled: stuck part-way with work pending; triggers don't move it. */
  stall(): void {
    const now = Date.now();
    this.settle(now);
    if (this.stalledNow) return;
    let i = 0;
    for (const c of this.categories.values()) {
      c.base = c.running ? this.progressOf(c, now) : 0.2 + 0.15 * i++;
      c.running = true;
      c.since = now;
    }
    this.stalledNow = true;
  }

  /** sync-stalled --clear: progress resumes from where it froze. */
  unstall(): void {
    const now = Date.now();
    this.settle(now);
    for (const c of this.categories.values()) c.since = now;
    this.stalledNow = false;
  }

  /** Finishes every category whose sync has run its full duration. */
  private settle(now = Date.now()): void {
    for (const c of this.categories.values()) {
      if (!c.running || this.stalledNow) continue;
      const p = c.base + (now - c.since) / this.durationMs;
      if (p >= 1) {
        c.running = false;
        c.base = 1;
        c.lastSyncAt = new Date(Math.min(now, c.since + this.durationMs)).toISOString();
        c.since = now;
      }
    }
  }

  private progressOf(c: SyncCategory, now: number): number {
    if (!c.running || this.stalledNow) return c.base;
    return Math.min(1, c.base + (now - c.since) / this.durationMs);
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
