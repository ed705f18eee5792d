// The health monitor's sweep preset (STYLE §2). Types only from activities/. Notifications use
// the shared `notifying` preset of runtime/activities.ts.
import { NON_RETRYABLE_ERROR_TYPES } from '../../src/domain/error-types.js';
import { summarized } from '../runtime/activities.js';

/**
 * One heartbeat sweep, one attempt: the next heartbeat comes within seconds anyway, and a retry
 * would only blur the interval. Heartbeats from the sweep notice a dead worker fast.
 */
/**
 * Who works on a node, asked right before a recovery starts: a quick visibility query, retried
 * once; when it cannot be answered the monitor waits a heartbeat rather than risk a second owner.
 */
export const ownerActivities = summarized({
  startToCloseTimeout: '15s',
  retry: { maximumAttempts: 2, initialInterval: '1s', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

export const monitorActivities = summarized({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry: { maximumAttempts: 1, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});
