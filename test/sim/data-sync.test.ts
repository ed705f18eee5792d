// DataSync (the coordinator's §4.4 sync) alone: progress over time, stall, force_full_sync.
// Waits on state with a deadline, never on fixed sleeps. No sockets.
import { describe, expect, it } from 'vitest';
import { DataSync, SYNC_CATEGORIES } from '../../src/sim/data-sync.js';
import { waitFor } from '../helpers/wait.js';

describe('DataSync', () => {
  it('starts synced; a trigger runs the named categories to 1.0 and stamps last_sync_at', async () => {
    const s = new DataSync(200);
    const before = s.status();
    expect(before).toMatchObject({ stalled: false, in_progress: false, progress: 1 });
    expect(Object.keys(before.categories)).toEqual([...SYNC_CATEGORIES]);
    expect(s.trigger(['games', 'nope'])).toEqual(['nope']);
    expect(s.status().in_progress).toBe(false);
    expect(s.trigger(['games'])).toEqual([]);
    const running = s.status();
    expect(running.in_progress).toBe(true);
    expect(running.categories['games']!.progress).toBeLessThan(1);
    expect(running.categories['games']!.pending).toBeGreaterThan(0);
    expect(running.categories['models']!.progress).toBe(1);
    await waitFor('the games sync to finish', () => !s.status().in_progress, { timeoutMs: 10_000, intervalMs: 20 });
    const after = s.status().categories['games']!;
    expect(after).toMatchObject({ progress: 1, pending: 0 });
    expect(after.last_sync_at! > before.categories['games']!.last_sync_at!).toBe(true);
  });

  it('a stall freezes progress part-way with work pending; triggers do not move it; force_full_sync finishes', async () => {
    const s = new DataSync(50);
    s.stall();
    const frozen = s.status();
    expect(frozen).toMatchObject({ stalled: true, in_progress: true });
    expect(frozen.progress).toBeGreaterThan(0);
    expect(frozen.progress).toBeLessThan(1);
    s.trigger([]);
    expect(s.status().progress).toBe(frozen.progress);
    let slept = 0;
    await s.forceFull(async (ms) => {
      slept = ms;
      await new Promise((r) => setTimeout(r, ms + 20));
    });
    expect(slept).toBe(50);
    expect(s.status()).toMatchObject({ stalled: false, in_progress: false, progress: 1 });
  });

  it('clearing a stall resumes from where it froze', () => {
    const s = new DataSync(60_000);
    s.stall();
    const p = s.status().progress;
    s.unstall();
    const resumed = s.status();
    expect(resumed.stalled).toBe(false);
    expect(resumed.progress).toBeGreaterThanOrEqual(p);
    expect(resumed.progress).toBeLessThan(1);
  });
});
