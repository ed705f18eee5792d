// Secrets never reach a log line: values under secret-looking keys are
// replaced, and the known secret values themselves are masked wherever they appear in text.
const SECRET_KEY = /(key|token|secret|password|passwd|authorization|credential|cookie)/i;
export const REDACTED = '[redacted]';

/**
 * The secrets this process holds, from the environment (admin key, API key, webhook token, TLS
 * data, Slack's signing secret, the usual notification URLs and keys), plus the variables the
 * policy's notification targets name (`url_env`, `secret_env`, `routing_key_env`).
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env, moreNames: readonly string[] = []): string[] {
  const names = [
    'RUNBOOK_ADMIN_KEY',
    'RUNBOOK_WEBHOOK_TOKEN',
    'TEMPORAL_API_KEY',
    'TEMPORAL_TLS_CLIENT_KEY_DATA',
    'TEMPORAL_CODEC_AUTH',
    'SLACK_SIGNING_SECRET',
    'RUNBOOK_SLACK_WEBHOOK_URL',
    'RUNBOOK_ALERT_WEBHOOK_URL',
    'RUNBOOK_ALERT_WEBHOOK_SECRET',
    'RUNBOOK_PAGERDUTY_ROUTING_KEY',
    ...moreNames,
  ];
  return [...new Set(names)].map((n) => env[n]).filter((v): v is string => v !== undefined && v.length >= 4);
}

/** The environment variables notification targets name: their values are secrets. */
export function notificationSecretNames(targets: readonly object[]): string[] {
  const keys = ['urlEnv', 'secretEnv', 'routingKeyEnv'] as const;
  return targets.flatMap((t) => keys.map((k) => (t as Partial<Record<(typeof keys)[number], string>>)[k]).filter((n): n is string => n !== undefined));
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join(REDACTED);
  return out;
}

/** A JSON-safe copy of log metadata with secret keys and secret values masked. */
export function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message, secrets), ...(value.stack && { stack: redactText(value.stack, secrets) }) };
  }
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[…]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, secrets, depth + 1)]),
  );
}
