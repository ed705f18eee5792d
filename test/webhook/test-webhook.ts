// The webhook as the end-to-end suites run it: in this process, on the harness's dev server and
// task queue, with a policy that auto-approves every risk (recover-node's networkd and tailscale
// restarts are high) and short child waits, so a whole incident fits in a test.
import { loadCluster } from '../../src/config/loader.js';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.js';
import { testPolicy } from '../helpers/cluster.js';
import type { Harness } from '../helpers/harness.js';

export async function startTestWebhook(harness: Harness, token: string, extras: Record<string, unknown> = {}): Promise<WebhookServer> {
  const cluster = loadCluster(harness.sim.hostsFile);
  const policy = testPolicy();
  policy.approval = { ...policy.approval, modes: { low: 'auto', high: 'auto' } };
  return startWebhookServer({
    client: harness.env.client,
    taskQueue: harness.taskQueue,
    cluster: () => cluster,
    policy,
    token,
    uiUrl: 'http://ui.test',
    inputExtras: {
      slotsWorkflowId: `slots-${harness.taskQueue}`,
      verifyTimeoutMs: 20_000,
      childOptions: { stageVerifyMs: 2000, electionWaitMs: 2000 },
      ...extras,
    },
  });
}
