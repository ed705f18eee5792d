// Slack's request signature, v0 (https://api.slack.com/authentication/verifying-requests-from-slack):
// `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<X-Slack-Request-Timestamp>:<raw body>">` with
// the app's signing secret. Checked over the raw bytes, in constant time, and only within five
// minutes of the timestamp, so a recorded click cannot be replayed later.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_SIGNING_SECRET_ENV = 'SLACK_SIGNING_SECRET';
/** Slack's own advice: refuse requests whose timestamp is more than five minutes away. */
export const MAX_SKEW_S = 5 * 60;

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

/** sha256 of both sides first: timingSafeEqual needs equal lengths, and this leaks none. */
function sameText(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function verifySlackSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: string,
  nowMs: number,
): SignatureVerdict {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a Unix time in seconds' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SKEW_S) return { ok: false, reason: 'request timestamp is more than 5 minutes away from now (a replay?)' };
  if (!sameText(slackSignature(secret, timestamp, rawBody), signature)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}
