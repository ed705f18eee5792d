// The test-only crash hook's switch: a bad value stops the worker with a message naming the
// variable and the value, instead of silently running without the kill point.
import { describe, expect, it } from 'vitest';
import { parseKillPoint } from '../../src/worker/kill-point.js';

describe('RUNBOOK_TEST_KILL_POINT', () => {
  it('is off when unset or empty', () => {
    expect(parseKillPoint(undefined)).toBeUndefined();
    expect(parseKillPoint('')).toBeUndefined();
  });
  it('reads start:N, done:N and mid:N:MS', () => {
    expect(parseKillPoint('start:3')).toEqual({ phase: 'start', nth: 3, afterMs: 0 });
    expect(parseKillPoint('done:12')).toEqual({ phase: 'done', nth: 12, afterMs: 0 });
    expect(parseKillPoint('mid:2:300')).toEqual({ phase: 'mid', nth: 2, afterMs: 300 });
  });
  it.each(['start:0', 'done', 'mid:2', 'start:2:10', 'kill:1', ' done:1'])('refuses %j naming the variable', (bad) => {
    expect(() => parseKillPoint(bad)).toThrow(new RegExp(`RUNBOOK_TEST_KILL_POINT .*"${bad.trim() === bad ? bad : ' done:1'}"`));
  });
});
