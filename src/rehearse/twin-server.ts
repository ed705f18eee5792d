// The twin's own Temporal: an embedded dev server (the resolved `temporal` binary, DESIGN §2) on
// free loopback ports with its state in the rehearsal's temp directory, a client, a worker
// connection, and the workflow bundle built once for every case of the rehearsal.
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { freeLoopbackPort } from '../alerting/processes.js';
import { startDevServer } from '../dev/dev-server.js';
import { prebuiltBundle, WORKFLOWS_PATH } from '../worker/worker.js';

export interface TwinServer {
  address: string;
  uiUrl: string;
  client: Client;
  workerConnection: NativeConnection;
  workflowBundle: NonNullable<WorkerOptions['workflowBundle']>;
  stop(): Promise<void>;
}

/** Starts everything; on a failure part-way, stops what had started before rethrowing. */
export async function startTwinServer(dir: string, o: { workflowBundle?: WorkerOptions['workflowBundle'] } = {}): Promise<TwinServer> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    // Bundling first: it is the slow part, and a failure there leaves no server to stop.
    const workflowBundle = o.workflowBundle ?? prebuiltBundle() ?? { code: (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger })).code };
    const server = await startDevServer({
      dataDir: join(dir, 'temporal'),
      port: await freeLoopbackPort(),
      uiPort: await freeLoopbackPort(),
      // Ctrl-C must reach us first: the workers shut down against a live server, then it stops.
      ownProcessGroup: true,
    });
    stops.push(server.stop);
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const workerConnection = await NativeConnection.connect({ address: server.address });
    stops.push(() => workerConnection.close());
    return {
      address: server.address,
      uiUrl: server.uiUrl,
      client: new Client({ connection, namespace: 'default' }),
      workerConnection,
      workflowBundle,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** webpack's progress lines would bury the rehearsal's own; its warnings are of no use to the user. */
const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};
