// `runbook list` / `runbook status` without a server: flag checks, the visibility query, the
// newest-first merge, and the pure renderings (src/cli/list-filters.ts, newest-first.ts, format.ts).
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/domain/progress.js';
import { formatRunList, formatSpan, formatStatus, type ListedRun } from '../../src/cli/format.js';
import { LIST_STATUSES, parseListFlags, parseSince, rowStatus, visibilityQuery } from '../../src/cli/list-filters.js';
import { newestFirst } from '../../src/cli/newest-first.js';

const NOW = new Date('2026-11-29T22:00:00Z');

describe('list flags', () => {
  it('turns every flag into a visibility clause', () => {
    const f = parseListFlags({ procedure: 'restart-p2p', node: 'gpu-7', status: 'escalated', since: '2h' }, NOW);
    expect(f).toEqual({ procedure: 'restart-p2p', node: 'gpu-7', status: 'escalated', since: new Date('2026-11-29T20:00:00Z'), limit: 50 });
    expect(visibilityQuery(f)).toBe(
      'RunbookProcedure IS NOT NULL AND ExecutionStatus != "ContinuedAsNew" AND RunbookProcedure = "restart-p2p" AND RunbookNode = "gpu-7"' +
        ' AND StartTime >= "2026-11-29T20:00:00.000Z" AND ExecutionStatus != "Running" AND RunbookOutcome = "escalated"',
    );
  });

  it('accepts durations and ISO times for --since', () => {
    expect(parseSince('30m', NOW).toISOString()).toBe('2026-11-29T21:30:00.000Z');
    expect(parseSince('1d12h', NOW).toISOString()).toBe('2026-11-28T10:00:00.000Z');
    expect(parseSince('2026-11-29T21:00Z', NOW).toISOString()).toBe('2026-11-29T21:00:00.000Z');
    expect(parseSince('2026-11-28', NOW).toISOString()).toBe('2026-11-28T00:00:00.000Z');
  });

  it('names the flag and the allowed values when a value is wrong', () => {
    expect(() => parseListFlags({ status: 'done' }, NOW)).toThrow(`--status: unknown status "done" (one of: ${LIST_STATUSES.join(', ')})`);
    expect(() => parseListFlags({ since: 'yesterday' }, NOW)).toThrow(/^--since: "yesterday" is neither a duration \(like 30m/);
    expect(() => parseListFlags({ since: '2h30' }, NOW)).toThrow(/^--since/);
    expect(() => parseListFlags({ procedure: 'restart' }, NOW)).toThrow(/^--procedure: unknown procedure "restart" \(one of: diagnose, restart-p2p, .*connectivity-incident, health-monitor\)/);
    expect(() => parseListFlags({ node: 'a" OR "1' }, NOW)).toThrow(/^--node: "a" OR "1" is not a node name/);
    expect(() => parseListFlags({ limit: '0' }, NOW)).toThrow(/^--limit/);
    expect(() => parseListFlags({ status: 'running', awaitingApproval: true }, NOW)).toThrow(/--awaiting-approval contradicts --status running/);
  });

  it('shows the status its --status clause selects', () => {
    expect(rowStatus('RUNNING', undefined, true)).toBe('awaiting-approval');
    expect(rowStatus('RUNNING', undefined, undefined)).toBe('running');
    expect(rowStatus('COMPLETED', 'escalated', false)).toBe('escalated');
    expect(rowStatus('FAILED', undefined, false)).toBe('failed');
    expect(rowStatus('TIMED_OUT', undefined, false)).toBe('timed-out');
    expect(visibilityQuery(parseListFlags({ status: 'timed-out' }, NOW))).toMatch(/ExecutionStatus = "TimedOut" AND RunbookOutcome IS NULL$/);
  });
});

describe('newestFirst', () => {
  const at = (min: number): string => new Date(NOW.getTime() + min * 60_000).toISOString();
  async function* source<T>(items: T[], read: T[]): AsyncIterable<T> {
    for (const i of items) {
      read.push(i);
      yield i;
    }
  }

  it('sorts by start time and stops reading once older runs cannot make the cut', async () => {
    // Visibility order: running first, then closed by close time, newest first.
    const runs = [
      { id: 'r1', startedAt: at(1) },
      { id: 'c1', startedAt: at(5), closedAt: at(9) },
      { id: 'c2', startedAt: at(6), closedAt: at(8) },
      { id: 'c3', startedAt: at(0), closedAt: at(4) },
      { id: 'c4', startedAt: at(-5), closedAt: at(-4) },
      { id: 'c5', startedAt: at(-9), closedAt: at(-8) },
    ];
    const read: typeof runs = [];
    const got = await newestFirst(source(runs, read), 3);
    expect(got.map((r) => r.id)).toEqual(['c2', 'c1', 'r1']);
    // After c4 (closed at -4), r1, c1, c2 and c3 all started later: c5 cannot make the cut.
    expect(read.map((r) => r.id)).toEqual(['r1', 'c1', 'c2', 'c3', 'c4']);
  });
});

describe('renderings', () => {
  it('formats spans compactly', () => {
    expect([formatSpan(45_000), formatSpan(12 * 60_000 + 3000), formatSpan(3 * 3_600_000 + 5 * 60_000), formatSpan(50 * 3_600_000)]).toEqual([
      '45s',
      '12m03s',
      '3h05m',
      '2d02h',
    ]);
  });

  it('lists runs under a header in aligned columns, with age, duration and the waiting step', () => {
    const runs: ListedRun[] = [
      { workflowId: 'fix-tailscale-1', procedure: 'fix-tailscale', node: 'gpu-a', status: 'awaiting-approval', startedAt: '2026-11-29T21:58:00Z', waitingOn: 'approve restart tailscale' },
      { workflowId: 'diagnose-1', procedure: 'diagnose', node: null, status: 'completed', startedAt: '2026-11-29T19:00:00Z', closedAt: '2026-11-29T19:00:31Z' },
    ];
    expect(formatRunList(runs, NOW).split('\n')).toEqual([
      'STATUS             PROCEDURE      NODE   AGE    DURATION  WAITING ON                 WORKFLOW ID',
      'awaiting-approval  fix-tailscale  gpu-a  2m00s  -         approve restart tailscale  fix-tailscale-1',
      'completed          diagnose       -      3h00m  31s       -                          diagnose-1',
    ]);
    expect(formatRunList([], NOW)).toBe('no procedures');
  });

  const progress = (over: Partial<Progress>): Progress => ({
    procedure: 'fix-tailscale',
    node: 'gpu-a',
    dryRun: false,
    status: 'escalated',
    steps: [{ name: 'approve restart tailscale', state: 'failed', detail: 'rejected by bob: not now' }],
    decisions: [{ step: 'approve restart tailscale', approved: false, by: 'bob', comment: 'not now', at: '2026-11-29T21:59:00.000Z' }],
    ...over,
  });

  it('puts the escalation reasons first, then who decided what and when', () => {
    const text = formatStatus({
      workflowId: 'fix-tailscale-1',
      progress: progress({}),
      result: { status: 'escalated', summary: 'escalated: rejected', escalation: { reasons: ['"restart tailscale" rejected by bob'] } },
    });
    expect(text.split('\n').slice(0, 6)).toEqual([
      'ESCALATED (§6): escalated: rejected',
      '  - "restart tailscale" rejected by bob',
      '',
      'fix-tailscale on gpu-a: escalated',
      'Decisions:',
      '  REJECTED "approve restart tailscale" by bob at 2026-11-29T21:59:00.000Z: not now',
    ]);
  });

  it('renders a decision without `at` (older workflows)', () => {
    const old = progress({ status: 'completed', decisions: [{ step: 's', approved: true, by: 'al' } as Progress['decisions'][number]] });
    expect(formatStatus({ workflowId: 'w', progress: old })).toMatch(/^ {2}approved "s" by al$/m);
  });

  it("lists an incident's children with their live state", () => {
    const text = formatStatus({
      workflowId: 'inc',
      progress: progress({ procedure: 'connectivity-incident', status: 'running', decisions: [], steps: [] }),
      children: [
        { workflowId: 'inc--diagnose (round 1)', procedure: 'diagnose', round: 1, status: 'completed', summary: '1 finding(s)' },
        { workflowId: 'inc--r1-fix-tailscale-gpu-a', procedure: 'fix-tailscale', node: 'gpu-a', round: 1, status: 'running', liveStatus: 'awaiting-approval' },
      ],
    });
    expect(text.split('\n').slice(-4)).toEqual([
      'Child procedures:',
      '  STATUS             PROCEDURE      NODE   ROUND  WORKFLOW ID                  SUMMARY',
      '  completed          diagnose       -      1      inc--diagnose (round 1)      1 finding(s)',
      '  awaiting-approval  fix-tailscale  gpu-a  1      inc--r1-fix-tailscale-gpu-a',
    ]);
  });
});
