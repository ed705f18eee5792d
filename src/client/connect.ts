// The one way a client command (and later the webhook) reaches Temporal: the envconfig profile
// (DESIGN §10) resolved in src/temporal/connection-config.ts; failures name the profile
// (TemporalConnectError, a usage error to the CLI).
import type { Client, Connection } from '@temporalio/client';
import { temporalClient } from '../temporal/sdk-require.js';
import { ConnectionConfigError, connectFailureMessage } from '../temporal/connection-config.js';
import { TemporalConnectError } from './errors.js';
import { tlsHandshakeError } from './tls-probe.js';
import { type TemporalSettings, temporalSettings } from '../temporal/settings.js';

export async function connectClient(env: NodeJS.ProcessEnv = process.env): Promise<{ client: Client; settings: TemporalSettings }> {
  let settings: TemporalSettings;
  try {
    settings = temporalSettings(env);
  } catch (err) {
    if (err instanceof ConnectionConfigError) throw new TemporalConnectError(err.message);
    throw err;
  }
  const cfg = settings.connection;
  const { Client, Connection } = temporalClient();
  let connection: Connection;
  try {
    // Both connection kinds take the same address/tls/apiKey/metadata shape.
    connection = await Connection.connect({ ...cfg.connectionOptions, connectTimeout: '5s' });
  } catch (err) {
    const handshake = cfg.tls ? await tlsHandshakeError(cfg) : undefined;
    throw new TemporalConnectError(connectFailureMessage(cfg, handshake !== undefined ? new Error(`TLS handshake failed: ${handshake}`) : err));
  }
  return { client: new Client({ connection, namespace: settings.namespace }), settings };
}
