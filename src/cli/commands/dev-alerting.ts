// `runbook dev --alerting`: its flags and prerequisites, checked before the stack starts, so a
// missing Debian package or a bad flag exits 2 with the fix instead of half a stack.
import { randomBytes } from 'node:crypto';
import { EndpointError, parseWebhookBase } from '../../alerting/endpoints.js';
import { AlertingBinaryMissingError, requireAlertingBinary } from '../../alerting/processes.js';
import { type AlertingTiming, PRODUCTION_TIMING, scaleTiming } from '../../alerting/timing.js';
import { UsageError } from '../errors.js';

export interface DevAlerting {
  webhookUrl: string;
  webhookBase: URL;
  /** The webhook's bearer token and where it came from (printed; the value never is). */
  token: { value: string; source: string };
  timing: AlertingTiming;
}

export function checkDevAlerting(opts: { webhookUrl: string; alertingTimeScale: string }): DevAlerting {
  try {
    requireAlertingBinary('prometheus');
    requireAlertingBinary('alertmanager');
  } catch (e) {
    if (e instanceof AlertingBinaryMissingError) throw new UsageError(`--alerting needs Debian's prometheus and prometheus-alertmanager: ${e.message}`);
    throw e;
  }
  let webhookBase: URL;
  try {
    webhookBase = parseWebhookBase(opts.webhookUrl, '--webhook-url');
  } catch (e) {
    if (e instanceof EndpointError) throw new UsageError(e.message);
    throw e;
  }
  const scale = Number(opts.alertingTimeScale);
  if (opts.alertingTimeScale.trim() === '' || !Number.isFinite(scale) || scale <= 0) {
    throw new UsageError(`--alerting-time-scale: expected a positive number (1 = production durations), got "${opts.alertingTimeScale}"`);
  }
  const env = process.env['RUNBOOK_WEBHOOK_TOKEN'];
  const token =
    env !== undefined && env !== ''
      ? { value: env, source: 'from RUNBOOK_WEBHOOK_TOKEN' }
      : // The webhook in this same process reads the variable too, so both sides agree.
        { value: (process.env['RUNBOOK_WEBHOOK_TOKEN'] = randomBytes(24).toString('base64url')), source: 'generated for this run (set RUNBOOK_WEBHOOK_TOKEN to choose it)' };
  return { webhookUrl: opts.webhookUrl, webhookBase, token, timing: scaleTiming(PRODUCTION_TIMING, scale) };
}
