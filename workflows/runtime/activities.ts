// Activity proxies with named option presets, declared once (STYLE §2). Types only from
// activities/: a value import would pull Node I/O into the workflow bundle.
import { proxyActivities } from '@temporalio/workflow';
import type { RunbookActivities } from '../../activities/index.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../../src/domain/error-types.js';

const retry = { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] };

/** One quick request or command. */
export const quick = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '30s',
  retry,
});

/** Batched probes and drill-downs: heartbeat per batch so a dead worker is noticed fast. */
export const batch = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry,
});

/** Polling waits (poll, don't sleep): long, resumable from heartbeat details. */
export const longRunning = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry,
});

/**
 * Mutations (restarts, writes): one attempt. A command that may have half-run is not repeated
 * blindly; the procedure verifies the outcome and escalates instead. The timeout sits well
 * above the SSH command limit (120 s) plus connecting. The heartbeat (sshRun beats every second
 * while its command runs; the hosts-file write takes milliseconds) notices a dead worker in
 * 20 s instead of the 5 min timeout: the escalation comes at once (kill points, issue 13).
 * Not a command change: old histories replay (activity options are not compared on replay).
 */
export const mutate = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '20s',
  retry: { ...retry, maximumAttempts: 1 },
});

/**
 * Notifications (§6, DESIGN §9): each target is retried with backoff inside the activity, so
 * one dead target never holds up the others; the activity gets a second attempt for a lost worker.
 */
export const notifying = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '3m',
  heartbeatTimeout: '30s',
  retry: { ...retry, maximumAttempts: 2, initialInterval: '5s' },
});
