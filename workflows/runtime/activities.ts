// Activity proxies with named option presets, declared once (STYLE §2). Types only from
// activities/: a value import would pull Node I/O into the workflow bundle. Every call carries
// a summary in the history naming the runbook section, the step and the node, so the Web UI's
// timeline reads like the runbook instead of `sshRun`, `probeNodes`.
import { type ActivityOptions, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RunbookActivities } from '../../activities/index.js';
import { activitySummary } from '../../src/domain/activity-summary.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../../src/domain/error-types.js';
import { RunbookNode } from '../../src/temporal/search-attributes.js';
import { currentStep } from './step-context.js';

const retry = { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] };

/** One quick request or command. */
export const quick = summarized({
  startToCloseTimeout: '30s',
  retry,
});

/** Batched probes and drill-downs: heartbeat per batch so a dead worker is noticed fast. */
export const batch = summarized({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry,
});

/** Polling waits (poll, don't sleep): long, resumable from heartbeat details. */
export const longRunning = summarized({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry,
});

/**
 * Mutations (restarts, writes): one attempt. A command that may have half-run is not repeated
 * blindly; the procedure verifies the outcome and escalates instead. The timeout sits well
 * above the SSH command limit (120 s) plus connecting. The heartbeat (sshRun beats every second
 * while its command runs; the hosts-file write takes milliseconds) notices a dead worker in
 * 20 s instead of the 5 min timeout: the escalation comes at once (kill points,
 * docs/explanation/durability.md).
 * Not a command change: old histories replay (activity options are not compared on replay).
 */
export const mutate = summarized({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '20s',
  retry: { ...retry, maximumAttempts: 1 },
});

/**
 * Notifications (§6, DESIGN §9): each target is retried with backoff inside the activity, so
 * one dead target never holds up the others; the activity gets a second attempt for a lost worker.
 */
export const notifying = summarized({
  startToCloseTimeout: '3m',
  heartbeatTimeout: '30s',
  retry: { ...retry, maximumAttempts: 2, initialInterval: '5s' },
});

type Proxies = ReturnType<typeof proxyActivities<RunbookActivities>>;

/**
 * proxyActivities whose calls add a `summary` (user metadata: no change to the command
 * sequence, so recorded histories replay). The run's node comes from its search attribute,
 * which every procedure sets as it starts.
 */
export function summarized(options: ActivityOptions): Proxies {
  const proxies = proxyActivities<RunbookActivities>(options);
  return new Proxy(proxies, {
    get(target, name) {
      const base = target[name as keyof Proxies];
      if (typeof name !== 'string' || base === undefined) return base;
      return (...args: unknown[]) => {
        const step = currentStep();
        const runNode = workflowInfo().typedSearchAttributes.get(RunbookNode);
        const summary = activitySummary(name, args[0], { ...(step !== undefined && { step }), ...(runNode !== undefined && { runNode }) });
        return base.executeWithOptions({ summary }, args as never);
      };
    },
  });
}
