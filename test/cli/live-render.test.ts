// The live view's rendering (src/cli/live/render.ts): pure functions of two polls of the
// `progress` query, checked without a server.
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/domain/progress.js';
import { changeLines, decideCommands, formatElapsed, renderFrame, shellWord } from '../../src/cli/live/render.js';
import { liveMode } from '../../src/cli/live/live-sink.js';

const ctx = { workflowId: 'fix-tailscale-w-1-1', approver: 'alice' };
const T0 = Date.parse('2026-11-29T03:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

const planned: Progress = {
  procedure: 'fix-tailscale',
  node: 'w-1',
  dryRun: false,
  status: 'running',
  decisions: [],
  steps: [
    { name: 'check tailscale', state: 'running', startedAt: at(0) },
    { name: 'approve restart tailscale', state: 'pending' },
    { name: 'restart tailscale', state: 'pending' },
  ],
};
const waiting: Progress = {
  ...planned,
  status: 'awaiting-approval',
  steps: [
    { name: 'check tailscale', state: 'done', startedAt: at(0), endedAt: at(400), detail: 'tailscaled stopped' },
    { name: 'approve restart tailscale', state: 'awaiting-approval', startedAt: at(400), risk: 'low' },
    { name: 'restart tailscale', state: 'pending' },
  ],
  pendingApproval: { step: 'approve restart tailscale', risk: 'low', requestedAt: at(400), deadline: at(900_400), detail: 'restart tailscaled on w-1' },
};

describe('live view rendering', () => {
  it('the frame shows each step with its state, elapsed time and detail, and the exact approve command', () => {
    const frame = renderFrame(waiting, ctx, T0 + 12_400, 'Ctrl-C stops watching');
    expect(frame.split('\n')).toEqual([
      'fix-tailscale on w-1: awaiting-approval',
      '  done     check tailscale                0.4 s  tailscaled stopped',
      '  WAITING  approve restart tailscale       12 s',
      '  pending  restart tailscale',
      '',
      `Waiting for approval of "approve restart tailscale" (low) until ${at(900_400)}: restart tailscaled on w-1`,
      "  approve: runbook approve fix-tailscale-w-1-1 --step 'approve restart tailscale' --by alice",
      "  reject:  runbook reject fix-tailscale-w-1-1 --step 'approve restart tailscale' --by alice",
      '',
      'Ctrl-C stops watching',
    ]);
  });

  it('one line per change: the first poll prints what already happened, later polls only what changed', () => {
    expect(changeLines(undefined, planned, ctx)).toEqual(['fix-tailscale on w-1: running', '  RUNNING  check tailscale']);
    expect(changeLines(planned, planned, ctx)).toEqual([]);
    const lines = changeLines(planned, waiting, ctx);
    expect(lines).toEqual([
      'fix-tailscale on w-1: awaiting-approval',
      '  done     check tailscale (0.4 s): tailscaled stopped',
      '  WAITING  approve restart tailscale',
      `Waiting for approval of "approve restart tailscale" (low) until ${at(900_400)}: restart tailscaled on w-1`,
      "  approve: runbook approve fix-tailscale-w-1-1 --step 'approve restart tailscale' --by alice",
      "  reject:  runbook reject fix-tailscale-w-1-1 --step 'approve restart tailscale' --by alice",
    ]);
    // The same approval asked on the next poll is not repeated.
    expect(changeLines(waiting, waiting, ctx)).toEqual([]);
  });

  it('text from nodes cannot put escape codes or line breaks on the terminal', () => {
    const hostile: Progress = { ...planned, steps: [{ name: 'check tailscale', state: 'failed', detail: 'bad\u001b[2J\nleader' }] };
    for (const out of [renderFrame(hostile, ctx, T0), changeLines(undefined, hostile, ctx).join('\n')]) {
      expect(out).not.toContain('\u001b');
      expect(out).toContain('bad [2J leader');
    }
  });

  it('printed commands paste into a shell as they are', () => {
    expect(shellWord('plain-id_1')).toBe('plain-id_1');
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(decideCommands({ ...waiting, pendingApproval: { ...waiting.pendingApproval!, step: "o'k" } }, ctx)?.approve).toBe(
      `runbook approve fix-tailscale-w-1-1 --step 'o'\\''k' --by alice`,
    );
    expect(decideCommands(planned, ctx)).toBeUndefined();
  });

  it('elapsed times read short and a frame is drawn only when both streams are terminals', () => {
    expect([400, 12_000, 185_000, 3_720_000].map(formatElapsed)).toEqual(['0.4 s', '12 s', '3 m 05 s', '1 h 02 m']);
    const sized = { isTTY: true, rows: 50, columns: 200 };
    expect(liveMode({ isTTY: true }, sized)).toBe('frame');
    expect(liveMode({ isTTY: false }, sized)).toBe('lines');
    expect(liveMode({}, sized)).toBe('lines');
    // A pty nobody sized (`script`): log-update would draw nothing, so plain lines.
    expect(liveMode({ isTTY: true }, { isTTY: true, rows: 0, columns: 0 })).toBe('lines');
    expect(liveMode({ isTTY: true }, { isTTY: true, rows: 0, columns: 200 })).toBe('lines');
    expect(liveMode({ isTTY: true }, { isTTY: true })).toBe('lines');
  });
});
