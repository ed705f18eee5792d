// The whole loop with nobody typing (docs/how-to/point-alertmanager.md): real Prometheus scrapes
// the simulated nodes, evaluates the shipped alert rules (time-scaled), real Alertmanager posts to
// our webhook with the bearer token, one connectivity-incident runs the fix as a child workflow on
// a real dev server and worker, the simulator heals, Alertmanager sends `resolved`, and the
// incident finishes `resolved`. For p2p-down (ClusterConnectivityDegraded → restart-p2p), partition
// (NodeEvicted → recover-node) and leader-lost (LeaderElectionStalled → force-election).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_INCIDENT_ID, type IncidentDetails } from '../../src/domain/incident.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import type { WebhookServer } from '../../src/webhook/server.js';
import { alertingBinariesInstalled, startTestAlertingStack, type TestAlertingStack } from '../helpers/alerting-stack.js';
import { useClusterHarness } from '../helpers/harness.js';
import { subnet } from '../helpers/subnets.js';
import { waitFor } from '../helpers/wait.js';
import { startTestWebhook } from '../webhook/test-webhook.js';

const TOKEN = 'alert-loop-token-5e0b91c3';
const harness = useClusterHarness({ name: 'alert-loop', nodes: 6, subnet: subnet('alerting/alert-loop-e2e'), voters: 3 });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let hook: WebhookServer;
let stack: TestAlertingStack;

// Without the Debian packages the loop cannot run; under CI that is a failure, not a skip.
if (!alertingBinariesInstalled && process.env['CI']) throw new Error('prometheus and prometheus-alertmanager are required under CI (.ci/run installs them)');

beforeAll(async () => {
  ({ env, sim } = harness);
  // Alertmanager's resolved arrives within a group interval of the heal (6 s here).
  hook = await startTestWebhook(harness, TOKEN, { resolveWaitMs: 60_000 });
  stack = await startTestAlertingStack({ hostsFile: sim.hostsFile, webhookUrl: hook.url, token: TOKEN });
  await stack.waitForNodesUp();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await hook?.close();
});

/** Runs (`workflowId/runId`) of incident workflows whose ID starts with `prefix`. */
async function incidents(prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of env.client.workflow.list({ query: `WorkflowType = "connectivity-incident"` })) {
    if (w.workflowId.startsWith(prefix)) ids.push(`${w.workflowId}/${w.runId}`);
  }
  return ids;
}

/**
 * Waits for the one incident the alert opens and for its end; returns its result. Cluster alerts
 * share the ID of the open cluster incident (a new run each time one opens), so runs count.
 */
async function incidentOpenedBy(prefix: string): Promise<ProcedureResult<IncidentDetails>> {
  const before = await incidents(prefix);
  const [run] = await waitFor(`Alertmanager to open an incident ${prefix}…`, async () => {
    const runs = (await incidents(prefix)).filter((r) => !before.includes(r));
    return runs.length > 0 ? runs : undefined;
  }, { timeoutMs: 90_000, intervalMs: 500 });
  const [id, runId] = run!.split('/') as [string, string];
  const h = env.client.workflow.getHandle(id, runId);
  const result = await waitFor(`incident ${run} to finish`, async () => {
    const d = await h.describe();
    return d.status.name === 'RUNNING' ? undefined : ((await h.result()) as ProcedureResult<IncidentDetails>);
  }, { timeoutMs: 150_000, intervalMs: 500 });
  // Alertmanager's repeats and duplicates joined it: still exactly one incident.
  expect((await incidents(prefix)).filter((r) => !before.includes(r))).toEqual([run]);
  return result;
}

describe.runIf(alertingBinariesInstalled)('real Prometheus and Alertmanager → webhook → incident → healed → resolved', { timeout: 300_000 }, () => {
  it('p2p-down: ClusterConnectivityDegraded opens one incident, restart-p2p heals the node, resolved closes it', async () => {
    const node = sim.state().nodes.filter((n) => n.role === 'worker')[0]!.name;
    sim.fault(node, 'p2p-down');
    const result = await incidentOpenedBy(CLUSTER_INCIDENT_ID);
    expect(result.status, result.summary).toBe('completed');
    expect(result.details).toMatchObject({ outcome: 'resolved', resolvedByAlertmanager: true });
    expect(result.details!.children.filter((c) => c.procedure !== 'diagnose')).toEqual([
      expect.objectContaining({ procedure: 'restart-p2p', node, status: 'completed' }),
    ]);
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
  });

  it('partition: NodeEvicted opens one incident for that node, recover-node heals it, resolved closes it', async () => {
    const node = sim.state().nodes.filter((n) => n.role === 'worker')[1]!.name;
    sim.fault(node, 'partition');
    const result = await incidentOpenedBy(`incident-recover-node-${node}-`);
    expect(result.status, result.summary).toBe('completed');
    expect(result.details).toMatchObject({ outcome: 'resolved', target: node });
    expect(result.details!.children.filter((c) => c.procedure !== 'diagnose')).toEqual([
      expect.objectContaining({ procedure: 'recover-node', node, status: 'completed' }),
    ]);
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
  });

  it('leader-lost: LeaderElectionStalled opens one incident, force-election restores a leader, resolved closes it', async () => {
    sim.fault('cluster', 'leader-lost');
    const result = await incidentOpenedBy(CLUSTER_INCIDENT_ID);
    expect(result.status, result.summary).toBe('completed');
    expect(result.details!.children.filter((c) => c.procedure !== 'diagnose')).toEqual([
      expect.objectContaining({ procedure: 'force-election', status: 'completed' }),
    ]);
    expect(sim.state().leader_id).not.toBeNull();
  });
});
