// The benches' own arithmetic and option parsing (bench/lib): the benches are not run by
// `npm test`, but a wrong percentile or a plan that forgets an occurrence would make their
// printed figures lie. Pure functions only: no server, no sockets.
import { describe, expect, it } from 'vitest';
import { parseAlertsOptions } from '../../bench/lib/alerts-options.js';
import { planStorm } from '../../bench/lib/alert-storm.js';
import { BenchUsageError, intList } from '../../bench/lib/bench-args.js';
import { clusterSizeFor } from '../../bench/lib/recovery-faults.js';
import { parseRecoveryOptions } from '../../bench/lib/recovery-options.js';
import { recoveryTable } from '../../bench/lib/recovery-table.js';
import { busiestSecondOfStarts } from '../../bench/lib/server-floor.js';
import { percentile, summarize } from '../../bench/lib/stats.js';
import type { PostResult } from '../../bench/lib/storm-client.js';
import { judgeAnswers, judgeIncidents } from '../../bench/lib/storm-verdict.js';

describe('percentile (nearest rank)', () => {
  it('returns measured samples: p50, p99 and max of 1..100 and of an unsorted small sample', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(hundred)).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
    expect(percentile([30, 10, 20], 50)).toBe(20);
    expect(percentile([30, 10, 20], 99)).toBe(30);
    expect(percentile([7], 1)).toBe(7);
  });

  it('p99 of 1,000 samples is the 990th, so ten slow answers make it', () => {
    const fast = Array.from({ length: 990 }, () => 5);
    expect(percentile([...fast, ...Array.from({ length: 10 }, () => 500)], 99)).toBe(5);
    expect(percentile([...fast.slice(1), ...Array.from({ length: 11 }, () => 500)], 99)).toBe(500);
  });

  it('refuses an empty sample and a percentile out of range', () => {
    expect(() => percentile([], 50)).toThrow(/empty/);
    expect(() => percentile([1], 0)).toThrow(/\(0, 100\]/);
    expect(() => percentile([1], 101)).toThrow(/\(0, 100\]/);
  });
});

describe('bench options', () => {
  it('bench/alerts defaults to 1,000 posts in 10 s, and names the bad flag', () => {
    expect(parseAlertsOptions([])).toMatchObject({ alerts: 1000, seconds: 10, distinct: 100, clients: 8, subnet: 32, noWorker: false });
    expect(parseAlertsOptions(['--alerts', '50', '--distinct', '5', '--no-worker'])).toMatchObject({ alerts: 50, distinct: 5, noWorker: true });
    expect(parseAlertsOptions([])).not.toHaveProperty('webhookCpuProf');
    expect(parseAlertsOptions(['--webhook-cpu-prof', '/tmp/prof'])).toMatchObject({ webhookCpuProf: '/tmp/prof' });
    expect(() => parseAlertsOptions(['--alerts', '1e3'])).toThrow(/--alerts must be an integer from 1 to 100000, got "1e3"/);
    expect(() => parseAlertsOptions(['--distinct', '20', '--alerts', '10'])).toThrow(/--distinct \(20\) cannot exceed --alerts \(10\)/);
    expect(() => parseAlertsOptions(['--bogus'])).toThrow(BenchUsageError);
  });

  it('bench/recovery: sizes sorted, known faults only, duplicates and empty items refused', () => {
    expect(parseRecoveryOptions([])).toMatchObject({ sizes: [1, 10, 100], subnet: 33, timeScale: 1 });
    expect(parseRecoveryOptions(['--sizes', '10,1', '--faults', 'partition'])).toMatchObject({ sizes: [1, 10], faults: ['partition'] });
    expect(() => parseRecoveryOptions(['--faults', 'p2p-down,meteor'])).toThrow(/--faults: unknown value "meteor"/);
    expect(() => parseRecoveryOptions(['--sizes', '1,,10'])).toThrow(/comma-separated/);
    expect(() => parseRecoveryOptions(['--time-scale', '0'])).toThrow(/--time-scale/);
    expect(() => intList('--sizes', '1,10,1', 1, 200)).toThrow(/--sizes lists 1 twice/);
  });

  it('the recovery cluster keeps N failing nodes under a third of it (§6.1 never escalates on size)', () => {
    for (const n of [1, 10, 100]) expect(n / clusterSizeFor(n)).toBeLessThan(1 / 3);
    expect(clusterSizeFor(1)).toBe(16);
  });
});

describe('the alert storm plan', () => {
  const nodes = ['a', 'b', 'c'];
  const plan = planStorm({ alerts: 1000, distinct: 100, seconds: 10, clients: 8, nodes, baseTime: new Date('2026-11-29T20:00:00Z'), seed: 1 });

  it('posts every occurrence at least once, 1,000 posts evenly over 10 s, round-robin over the clients', () => {
    const posted = new Set(plan.posts.map((p) => p.occurrence));
    expect(posted.size).toBe(100);
    expect(plan.posts).toHaveLength(1000);
    expect(plan.posts.at(-1)!.atMs).toBeCloseTo(9990);
    expect(new Set(plan.posts.map((p) => p.client))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    // Duplicates are interleaved, not all the first posts up front.
    expect(new Set(plan.posts.slice(0, 100).map((p) => p.occurrence)).size).toBeLessThan(100);
  });

  it('distinct occurrences are distinct (node, startsAt) pairs: a re-fire on a node is a new startsAt', () => {
    const keys = new Set(plan.occurrences.map((o) => `${o.node}|${o.startsAt}`));
    expect(keys.size).toBe(100);
    expect(plan.occurrences[3]).toMatchObject({ node: 'a', startsAt: '2026-11-29T20:00:01.000Z' });
    expect(plan.occurrences.every((o) => /^[0-9a-f]{16}$/.test(o.fingerprint))).toBe(true);
  });

  it('counts the busiest second of first posts: a window of 1 s, each occurrence only at its first post', () => {
    const hand = (atMs: number[], occurrence: number[]) => ({ occurrences: [], posts: atMs.map((t, i) => ({ atMs: t, client: 0, occurrence: occurrence[i]! })) });
    // First posts at 0, 400, 999 (one window), 1,000 and 2,500; the repeats of 0 and 1 do not count.
    expect(busiestSecondOfStarts(hand([0, 400, 500, 999, 1000, 1200, 2500], [0, 1, 0, 2, 3, 1, 4]))).toBe(3);
    expect(busiestSecondOfStarts(hand([0, 1000, 2000], [0, 1, 2]))).toBe(1);
    // The shuffled storm: most first posts come early.
    const busiest = busiestSecondOfStarts(plan);
    expect(busiest).toBeGreaterThan(20);
    expect(busiest).toBeLessThanOrEqual(100);
  });

  it('is the same plan for the same seed', () => {
    const again = planStorm({ alerts: 1000, distinct: 100, seconds: 10, clients: 8, nodes, baseTime: new Date('2026-11-29T20:00:00Z'), seed: 1 });
    expect(again.posts).toEqual(plan.posts);
  });
});

describe('the storm verdict', () => {
  const ok = (occurrence: number, action: string): PostResult => ({ occurrence, latencyMs: 1, lateMs: 0, status: 202, action, workflowId: `incident-${occurrence}` });

  it('passes one start per occurrence with joins and ended-incident ignores', () => {
    const v = judgeAnswers([ok(0, 'started'), ok(0, 'joined'), ok(1, 'started'), { ...ok(1, 'ignored'), reason: 'incident already resolved' }], 2);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ answered: 4, started: 2, joined: 1, ignored: 1 });
  });

  it('fails a dropped post, a 503, a second start, a missing start and a split workflow ID', () => {
    const v = judgeAnswers(
      [
        ok(0, 'started'),
        ok(0, 'started'),
        { occurrence: 1, latencyMs: 1, lateMs: 0, error: 'no answer: socket hang up' },
        { occurrence: 1, latencyMs: 1, lateMs: 0, status: 503, error: 'Temporal could not …' },
        ok(2, 'started'),
        { ...ok(2, 'joined'), workflowId: 'incident-other' },
      ],
      3,
    );
    expect(v.problems.join('\n')).toMatch(/1 post\(s\) got no answer/);
    expect(v.problems.join('\n')).toMatch(/1 post\(s\) answered 5xx/);
    expect(v.problems.join('\n')).toMatch(/2 occurrence\(s\) not started by exactly one post \(#0: 2, #1: 0\)/);
    expect(v.problems.join('\n')).toMatch(/1 occurrence\(s\) answered with more than one workflow ID/);
  });

  it("Temporal's list must hold exactly the expected IDs, one run each", () => {
    const want = new Set(['a', 'b']);
    expect(judgeIncidents(want, new Map([['a', 1], ['b', 1]]))).toEqual([]);
    expect(judgeIncidents(want, new Map([['a', 2], ['c', 1]]))).toEqual([
      '1 occurrence(s) without an incident (e.g. b)',
      '1 incident(s) for no posted occurrence (e.g. c)',
      '1 incident ID(s) with more than one run (e.g. a: 2)',
    ]);
  });
});

describe('the recovery table', () => {
  it('prints all-healthy time, per-node p50/max and the outcome per fault × N', () => {
    const t = recoveryTable([
      { fault: 'p2p-down', n: 2, allSeconds: 20, perNodeSeconds: [8, 14] },
      { fault: 'partition', n: 1, perNodeSeconds: [], problem: 'timed out after 60 s' },
    ]);
    expect(t.split('\n')).toEqual([
      '| fault | N | all healthy (s) | per node p50 (s) | per node max (s) | per node (s/node) | outcome |',
      '|---|---|---|---|---|---|---|',
      '| p2p-down | 2 | 20.0 | 8.0 | 14.0 | 10.0 | healthy |',
      '| partition | 1 | — | — | — | — | timed out after 60 s |',
    ]);
  });
});
