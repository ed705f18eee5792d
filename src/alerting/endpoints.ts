// Where the pieces of the alerting loop find each other. The webhook's address is named here
// once: `runbook config prometheus`, `runbook dev --alerting` and the compose file take it from
// here (or from a flag), so the webhook command can plug in by using the same constants.

/** The path Alertmanager posts to (DESIGN §8). */
export const ALERTMANAGER_WEBHOOK_PATH = '/alerts/alertmanager';
/** The webhook's Prometheus metrics (DESIGN §8). */
export const WEBHOOK_METRICS_PATH = '/metrics';
/** Port of `runbook webhook` unless told otherwise. */
export const DEFAULT_WEBHOOK_PORT = 8780;
export const DEFAULT_WEBHOOK_URL = `http://localhost:${DEFAULT_WEBHOOK_PORT}`;
/** Alertmanager's own default listen port. */
export const DEFAULT_ALERTMANAGER_TARGET = 'localhost:9093';

/** Thrown for a webhook URL or a host:port that cannot be used; names the flag. */
export class EndpointError extends Error {
  override readonly name = 'EndpointError';
}

/** The webhook's base URL, checked: http(s), no credentials (the token goes in a header). */
export function parseWebhookBase(raw: string, what = '--webhook'): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EndpointError(`${what}: "${raw}" is not a URL (expected e.g. ${DEFAULT_WEBHOOK_URL})`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new EndpointError(`${what}: "${raw}" must be http:// or https://`);
  if (u.username !== '' || u.password !== '') {
    throw new EndpointError(`${what}: credentials in the URL would be written into alertmanager.yml; the bearer token comes from --token-file`);
  }
  if (u.search !== '' || u.hash !== '') throw new EndpointError(`${what}: "${raw}" must have no query or fragment`);
  // A URL that already names the receiver path is accepted as the base it hangs off.
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = path.endsWith(ALERTMANAGER_WEBHOOK_PATH) ? path.slice(0, -ALERTMANAGER_WEBHOOK_PATH.length) : path;
  return u;
}

/** `base` + a path, keeping any path prefix of the base (a webhook behind a reverse proxy). */
export function webhookUrl(base: URL, path: string): string {
  const u = new URL(base.href);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`;
  return u.href;
}

/** A scrape or Alertmanager target "host:port" (IPv6 in brackets), checked. */
export function parseTarget(raw: string, what: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new EndpointError(`${what}: "${raw}" is not host:port (e.g. localhost:9093)`);
  return raw;
}

