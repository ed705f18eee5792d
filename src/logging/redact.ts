// Secrets never reach a log line: values under secret-looking keys are
// replaced, and the known secret values themselves are masked wherever they appear in text.
const SECRET_KEY = /(key|token|secret|password|passwd|authorization|credential|cookie)/i;
export const REDACTED = '[redacted]';

/** Environment variables that always hold a secret when set. */
const SECRET_ENV = ['RUNBOOK_ADMIN_KEY', 'RUNBOOK_WEBHOOK_TOKEN', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_CLIENT_KEY_DATA', 'TEMPORAL_CODEC_AUTH'];

/** Names of the variables the notification targets read their secrets from (Slack/webhook URL, PagerDuty key). */
export function notificationSecretEnv(targets: readonly object[]): string[] {
  return targets.flatMap((t) => ['urlEnv' in t ? t.urlEnv : undefined, 'routingKeyEnv' in t ? t.routingKeyEnv : undefined]).filter((n): n is string => typeof n === 'string');
}

/**
 * The secrets this process holds, from the environment (admin key, API key, webhook token, TLS
 * data), plus those in `configured`: every secret variable the config names.
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env, configured: readonly string[] = []): string[] {
  const values = [...SECRET_ENV, ...configured].map((n) => env[n]?.trim()).filter((v): v is string => v !== undefined && v.length >= 4);
  return [...new Set(values)];
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
