// `runbook webhook` connects to Temporal when it starts, not on the first alert: its connection
// is lazy (it must listen while Temporal is away), and an alert storm's first posts paid for the
// set-up (bench/alerts: p99 283 ms cold, 49–71 ms connected). A plain TCP listener stands in for
// the server: the test only needs to see the webhook dial it before any post arrives.
import { createServer, type Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/config/loader.js';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.js';
import { waitFor } from '../helpers/wait.js';

let dialed = 0;
const sockets = new Set<Socket>();
const listener = createServer((s) => {
  dialed++;
  sockets.add(s);
  s.on('error', () => undefined);
});
let connection: Connection;
let hook: WebhookServer;

beforeAll(async () => {
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  connection = Connection.lazy({ address: `127.0.0.1:${port}` });
  hook = await startWebhookServer({
    client: new Client({ connection }),
    taskQueue: 'connect-ahead-q',
    cluster: () => {
      throw new Error('never read: no alert is posted here');
    },
    policy: defaultPolicy(),
    token: 'connect-ahead-token',
    uiUrl: 'http://ui.test',
  });
});

afterAll(async () => {
  await hook?.close();
  await connection?.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

describe('runbook webhook at start', () => {
  it('dials Temporal before any alert is posted', async () => {
    await waitFor('the webhook to dial Temporal', () => dialed > 0, { timeoutMs: 10_000 });
    expect(hook.metrics.text()).toMatch(/^runbook_webhook_alerts_received_total\{status="firing"\} 0$/m);
  });
});
