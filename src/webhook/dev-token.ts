// `runbook dev`'s webhook token: $RUNBOOK_WEBHOOK_TOKEN when set, else one generated once and
// kept in the data dir (mode 0600), so a local Alertmanager config keeps working across
// restarts. Only where it lives is printed, never the token.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN_ENV, webhookToken } from './token.js';

export function devWebhookToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): { value: string; source: string } {
  if (env[TOKEN_ENV] !== undefined) return { value: webhookToken(env), source: `from $${TOKEN_ENV}` };
  const file = join(dataDir, 'webhook-token');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return { value: readFileSync(file, 'utf8').trim(), source: `in ${file} (set $${TOKEN_ENV} to choose one)` };
}
