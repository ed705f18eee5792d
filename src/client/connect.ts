import { Client, Connection } from '@temporalio/client';
import { UsageError } from '../cli/errors.js';
import { type TemporalSettings, temporalSettings } from '../temporal/settings.js';

/** Connects to TEMPORAL_ADDRESS; a refused connection names the address and how to start one. */
export async function connectClient(settings: TemporalSettings = temporalSettings()): Promise<{ client: Client; settings: TemporalSettings }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: settings.address, connectTimeout: '5s' });
  } catch (err) {
    throw new UsageError(
      `cannot reach Temporal at ${settings.address} (${(err as Error).message}). ` +
        'Start the embedded stack with `npm start`, or set TEMPORAL_ADDRESS.',
    );
  }
  return { client: new Client({ connection, namespace: settings.namespace }), settings };
}
