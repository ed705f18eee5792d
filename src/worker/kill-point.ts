// Test-only crash hook (kill points, docs/explanation/durability.md): with RUNBOOK_TEST_KILL_POINT set, the worker
// SIGKILLs its own process at one exact activity boundary, so the kill-point suite crashes the
// worker deterministically instead of racing a history poll against a running activity.
// Unset (production), no interceptor is installed at all.
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';

export const KILL_POINT_ENV = 'RUNBOOK_TEST_KILL_POINT';

/**
 * `start:N`   the Nth activity this process runs: after ActivityTaskStarted, before it does anything;
 * `done:N`    the Nth activity returned (its effect applied) but its completion never reaches the server;
 * `mid:N:MS`  MS milliseconds into the Nth activity if it still runs (the long waits and the sync watch).
 */
export interface KillPoint {
  phase: 'start' | 'done' | 'mid';
  nth: number;
  afterMs: number;
}

export function parseKillPoint(value: string | undefined): KillPoint | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(start|done|mid):([1-9]\d*)(?::(\d+))?$/.exec(value);
  if (!m || (m[1] === 'mid') !== (m[3] !== undefined)) {
    throw new Error(`${KILL_POINT_ENV} must be start:N, done:N or mid:N:MS (N from 1), got "${value}"`);
  }
  return { phase: m[1] as KillPoint['phase'], nth: Number(m[2]), afterMs: Number(m[3] ?? 0) };
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL sent to self');
}

export function killPointInterceptors(point: KillPoint): ActivityInterceptorsFactory[] {
  let started = 0;
  return [
    () => {
      const inbound: ActivityInboundCallsInterceptor = {
        async execute(input, next) {
          const n = ++started;
          if (n !== point.nth) return next(input);
          if (point.phase === 'start') die();
          const timer = point.phase === 'mid' ? setTimeout(die, point.afterMs) : undefined;
          try {
            const result = await next(input);
            if (point.phase === 'done') die();
            return result;
          } finally {
            clearTimeout(timer);
          }
        },
      };
      return { inbound };
    },
  ];
}
