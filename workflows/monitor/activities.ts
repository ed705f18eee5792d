// The health monitor's sweep preset (STYLE §2). Types only from activities/. Notifications use
// the shared `notifying` preset of runtime/activities.ts.
import { NON_RETRYABLE_ERROR_TYPES } from '../../src/domain/error-types.js';
import { summarized } from '../runtime/activities.js';

/**
 * One heartbeat sweep, one attempt: the next heartbeat comes within seconds anyway, and a retry
 * would only blur the interval. Heartbeats from the sweep notice a dead worker fast.
 */
export const monitorActivities = summarized({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry: { maximumAttempts: 1, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});
