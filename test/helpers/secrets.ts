// "Secrets never appear in workflow history", checked on real histories:
// every payload is decoded (history JSON keeps payloads base64, which would hide a secret
// from a plain text search), then searched for each secret and for its base64 form.
import { readFileSync } from 'node:fs';
import type { temporal } from '@temporalio/proto';
import { loadCluster } from '../../src/config/loader.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { ADMIN_KEY } from './cluster.js';

type History = temporal.api.history.v1.IHistory;

/**
 * Every text in the history, with each byte array (payload data) decoded as UTF-8. Walked by
 * hand: JSON.stringify would call the proto messages' own toJSON, which base64-encodes the
 * payloads and so hides a secret inside them from a text search.
 */
export function historyText(history: History | temporal.api.history.v1.IHistoryEvent): string {
  const out: string[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('utf8'));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null && !seen.has(v)) {
      seen.add(v);
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
    }
  };
  walk(history);
  return out.join('\n');
}

/**
 * Fails naming the secret (never printing it) and the first event that holds it.
 * `secrets` maps a name ("admin key") to the secret's text.
 */
export function expectNoSecrets(history: History, secrets: Record<string, string>, where = 'history'): void {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    const forms = [secret, Buffer.from(secret).toString('base64')];
    for (const e of history.events ?? []) {
      const text = historyText(e);
      if (forms.some((f) => text.includes(f))) {
        found.push(`${name} in event ${String(e.eventId)} (${eventName(e)})`);
        break;
      }
    }
  }
  if (found.length > 0) throw new Error(`secrets in ${where}: ${found.join('; ')}`);
}

function eventName(e: temporal.api.history.v1.IHistoryEvent): string {
  return Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]) ?? 'event';
}

/**
 * The secrets a worker on this simulated cluster holds: the admin key and the SSH private
 * key's body, line by line (a key quoted in a JSON string has its newlines escaped).
 */
export function clusterSecrets(sim: SimulatorHandle): Record<string, string> {
  const key = readFileSync(loadCluster(sim.hostsFile).ssh.key_path, 'utf8');
  // Short lines (a key's last one) could match by chance; 16+ base64 characters cannot.
  const body = key.split('\n').map((l) => l.trim()).filter((l) => l.length >= 16 && !l.startsWith('-----'));
  if (body.length === 0) throw new Error('the SSH private key has no body to look for');
  return {
    'admin key': ADMIN_KEY,
    ...Object.fromEntries(body.map((line, i) => [`SSH private key line ${i + 1}`, line])),
  };
}
