// `runbook dev --alerting`: its flags and prerequisites, checked before the stack starts, so a
// missing Debian package or a bad flag exits 2 with the fix instead of half a stack.
import { EndpointError, parseWebhookBase } from '../../alerting/endpoints.js';
import { AlertingBinaryMissingError, requireAlertingBinary } from '../../alerting/processes.js';
import { type AlertingTiming, PRODUCTION_TIMING, scaleTiming } from '../../alerting/timing.js';
import { UsageError } from '../errors.js';

export interface DevAlerting {
  /** Where Alertmanager posts: --webhook-url, else (undefined) this stack's own webhook. */
  webhookBase: URL | undefined;
  timing: AlertingTiming;
}

export function checkDevAlerting(opts: { webhookUrl?: string; alertingTimeScale: string }): DevAlerting {
  try {
    requireAlertingBinary('prometheus');
    requireAlertingBinary('alertmanager');
  } catch (e) {
    if (e instanceof AlertingBinaryMissingError) throw new UsageError(`--alerting needs Debian's prometheus and prometheus-alertmanager: ${e.message}`);
    throw e;
  }
  let webhookBase: URL | undefined;
  try {
    if (opts.webhookUrl !== undefined) webhookBase = parseWebhookBase(opts.webhookUrl, '--webhook-url');
  } catch (e) {
    if (e instanceof EndpointError) throw new UsageError(e.message);
    throw e;
  }
  const scale = Number(opts.alertingTimeScale);
  if (opts.alertingTimeScale.trim() === '' || !Number.isFinite(scale) || scale <= 0) {
    throw new UsageError(`--alerting-time-scale: expected a positive number (1 = production durations), got "${opts.alertingTimeScale}"`);
  }
  return { webhookBase, timing: scaleTiming(PRODUCTION_TIMING, scale) };
}
