// The generic webhook's body signature (DESIGN §12): `X-Runbook-Signature: sha256=<hex>`, an
// HMAC-SHA256 of the exact body with the secret named by `secret_env`, so a receiver can tell our
// events from anyone else's posts (the same scheme GitHub's `X-Hub-Signature-256` uses).
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-runbook-signature';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function signatureHeaders(secret: string): (body: string) => Record<string, string> {
  return (body) => ({ [SIGNATURE_HEADER]: signBody(secret, body) });
}
