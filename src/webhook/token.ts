// Where the webhook's bearer token comes from (DESIGN §8: RUNBOOK_WEBHOOK_TOKEN) and what makes
// one acceptable. The token itself never appears in a message or a log line.
export const TOKEN_ENV = 'RUNBOOK_WEBHOOK_TOKEN';
const MIN_LENGTH = 16;
// RFC 6750 b64token: what a Bearer header may carry (hono's bearerAuth refuses anything else).
const B64TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/** Thrown when the token is missing or unusable; `runbook webhook` exits 2 with the message. */
export class WebhookTokenError extends Error {
  override readonly name = 'WebhookTokenError';
}

/** The token from the environment; throws unless it is present and usable. */
export function webhookToken(env: NodeJS.ProcessEnv = process.env): string {
  const token = env[TOKEN_ENV];
  if (token === undefined || token === '') {
    throw new WebhookTokenError(
      `${TOKEN_ENV} is not set: the webhook refuses to accept alerts without a bearer token ` +
        `(generate one with "openssl rand -hex 32", give the same to Alertmanager's http_config.authorization; ` +
        `--insecure-no-token runs without auth, for a laptop only)`,
    );
  }
  if (!B64TOKEN.test(token)) {
    throw new WebhookTokenError(`${TOKEN_ENV} may only contain letters, digits and "-._~+/" (a Bearer token), e.g. "openssl rand -hex 32"`);
  }
  if (token.length < MIN_LENGTH) {
    throw new WebhookTokenError(`${TOKEN_ENV} is ${token.length} characters long; use at least ${MIN_LENGTH} (e.g. "openssl rand -hex 32")`);
  }
  return token;
}
