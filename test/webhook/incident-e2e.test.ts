// From an alert to a healed cluster with nobody typing (docs/how-to/point-alertmanager.md):
// hand-built Alertmanager v4 notifications posted over real HTTP to the running webhook, a real
// Temporal dev server and worker, the simulator. One incident per alert occurrence (one for the
// whole cluster while a cluster alert's incident is open); it runs the fix as a child workflow,
// waits for Alertmanager's `resolved`, verifies and finishes.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentDetails } from '../../src/domain/incident.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import { escapeMarkdown } from '../../src/domain/node-text.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import type { WebhookServer } from '../../src/webhook/server.js';
import { useClusterHarness } from '../helpers/harness.js';
import { historyText } from '../helpers/secrets.js';
import { subnet } from '../helpers/subnets.js';
import { waitFor, waitForProgress } from '../helpers/wait.js';
import { alert, notification, post } from './alerts.js';
import { startTestWebhook } from './test-webhook.js';

const TOKEN = 'e2e-webhook-token-0c4d7a2f91';
const harness = useClusterHarness({ name: 'incident', nodes: 6, subnet: subnet('webhook/incident-e2e'), voters: 3 });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let hook: WebhookServer;

beforeAll(async () => {
  ({ env, sim } = harness);
  hook = await startTestWebhook(harness, TOKEN);
});

afterAll(async () => {
  await hook?.close();
});

/** A worker node (not a voter): restarting it never touches the election quorum. */
function workerNode(i = 0): string {
  return sim.state().nodes.filter((n) => n.role === 'worker')[i]!.name;
}

/** Fires `alertname`, waits for the fix and the incident's wait for `resolved`, resolves it. */
async function incidentFor(alertname: string, labels: Record<string, string>, expectChild: string): Promise<{ id: string; result: ProcedureResult<IncidentDetails>; fire: unknown }> {
  const startsAt = new Date().toISOString();
  const fingerprint = Math.random().toString(16).slice(2, 18);
  const fire = notification([alert({ alertname, labels, startsAt, fingerprint })]);
  const first = await post(hook.url, fire, TOKEN);
  expect(first.status, JSON.stringify(first.body)).toBe(202);
  const accepted = first.body.accepted![0]!;
  expect(accepted.action, accepted.reason).toBe('started');
  const id = accepted.workflowId!;
  const h = env.client.workflow.getHandle<(i: unknown) => Promise<ProcedureResult<IncidentDetails>>>(id);
  const p = await waitForProgress(
    h,
    'the incident to fix the cluster and wait for resolved',
    (x) => x.steps.some((s) => s.name === 'wait for resolved' && s.state === 'running'),
    { timeoutMs: 100_000 },
  );
  // The child is listed in the progress query with its status and Web UI link.
  expect(p.children).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ procedure: expectChild, status: 'completed', round: 1, url: expect.stringMatching(/^http:\/\/ui\.test\/namespaces\/default\/workflows\/incident-/) }),
    ]),
  );
  // Alertmanager repeats the notification while it fires: it joins the same incident.
  const repeat = await post(hook.url, fire, TOKEN);
  expect(repeat.body.accepted![0]).toMatchObject({ action: 'joined', workflowId: id });
  const resolved = await post(hook.url, notification([alert({ alertname, labels, startsAt, fingerprint, status: 'resolved' })], 'resolved'), TOKEN);
  expect(resolved.body.accepted![0]).toMatchObject({ action: 'signalled', workflowId: id });
  const result = await h.result();
  return { id, result, fire };
}

describe('connectivity-incident from Alertmanager notifications', () => {
  it('p2p-down → ClusterConnectivityDegraded → one incident → restart-p2p child → healthy → resolved', async () => {
    const node = workerNode(0);
    sim.fault(node, 'p2p-down');
    const { id, result, fire } = await incidentFor('ClusterConnectivityDegraded', {}, 'restart-p2p');
    expect(result.status, result.summary).toBe('completed');
    expect(result.details).toMatchObject({ outcome: 'resolved', resolvedByAlertmanager: true, rounds: 1, target: 'cluster' });
    expect(result.details!.repeats).toBeGreaterThanOrEqual(1);
    expect(result.details!.children.filter((c) => c.procedure !== 'diagnose')).toEqual([
      expect.objectContaining({ procedure: 'restart-p2p', node, status: 'completed' }),
    ]);
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
    // Who did what, so an operator can tell an alert's run from a person's: the alert started the
    // incident, the incident its child.
    const incident = await env.client.workflow.getHandle(id).describe();
    expect(await incident.staticDetails()).toMatch(/requested by alertmanager:ClusterConnectivityDegraded\/[0-9a-f]+/);
    const child = result.details!.children.find((c) => c.procedure === 'restart-p2p')!;
    const childHandle = env.client.workflow.getHandle<(i: unknown) => Promise<ProcedureResult>>(child.workflowId);
    expect((await childHandle.result()).requestedBy).toBe(`incident ${id}`);
    expect(await (await childHandle.describe()).staticDetails()).toContain(`Started by the incident [${escapeMarkdown(id)}](http://ui.test/namespaces/default/workflows/${encodeURIComponent(id)})`);
    // A cluster alert still firing after the incident ended is never dropped: it opens the
    // cluster incident again (a new run under the same ID), which looks, finds the cluster
    // healthy and ends with Alertmanager's resolved.
    const late = await post(hook.url, fire, TOKEN);
    expect(late.body.accepted![0]).toMatchObject({ action: 'started', workflowId: id });
    const runs = await waitFor(`two runs of ${id} to be listed`, async () => {
      const found: string[] = [];
      for await (const w of env.client.workflow.list({ query: `WorkflowId = "${id}"` })) found.push(w.runId);
      return found.length === 2 ? found : undefined;
    });
    expect(new Set(runs).size).toBe(2);
    const resolved = await post(hook.url, notification([{ ...(fire as { alerts: Array<Record<string, unknown>> }).alerts[0], status: 'resolved' }], 'resolved'), TOKEN);
    expect(resolved.body.accepted![0]).toMatchObject({ action: 'signalled', workflowId: id });
    const again = await env.client.workflow.getHandle<(i: unknown) => Promise<ProcedureResult<IncidentDetails>>>(id).result();
    expect(again.details).toMatchObject({ outcome: 'resolved', resolvedByAlertmanager: true, rounds: 0 });
    // The token is never in the incident's history.
    expect(historyText(await env.client.workflow.getHandle(id).fetchHistory())).not.toContain(TOKEN);
  });

  it('NodeEvicted on a partitioned node → recover-node for that node → resolved', async () => {
    const node = workerNode(1);
    sim.fault(node, 'partition');
    const { result } = await incidentFor('NodeEvicted', { node }, 'recover-node');
    expect(result.status, result.summary).toBe('completed');
    expect(result.details).toMatchObject({ outcome: 'resolved', target: node });
    expect(result.details!.children.filter((c) => c.procedure !== 'diagnose')).toEqual([
      expect.objectContaining({ procedure: 'recover-node', node, status: 'completed' }),
    ]);
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
  });

  it('leader-lost → LeaderElectionStalled → force-election → resolved', async () => {
    sim.fault('cluster', 'leader-lost');
    const { result } = await incidentFor('LeaderElectionStalled', {}, 'force-election');
    expect(result.status, result.summary).toBe('completed');
    expect(result.details!.children.filter((c) => c.procedure !== 'diagnose')).toEqual([
      expect.objectContaining({ procedure: 'force-election', status: 'completed' }),
    ]);
    expect(sim.state().leader_id).not.toBeNull();
    expect(sim.state().cluster_faults).toEqual([]);
  });

  it('ClusterHealthCritical → escalated with the §6.2 bundle, nothing mutated', async () => {
    const node = workerNode(0);
    sim.fault(node, 'p2p-down');
    const before = sim.state().mutations.length;
    const r = await post(hook.url, notification([alert({ alertname: 'ClusterHealthCritical' })]), TOKEN);
    const accepted = r.body.accepted![0]!;
    expect(accepted.action).toBe('started');
    expect(accepted.workflowId).toMatch(/^incident-connectivity-incident-escalate-only-cluster-/);
    const result = await env.client.workflow.getHandle<(i: unknown) => Promise<ProcedureResult<IncidentDetails>>>(accepted.workflowId!).result();
    expect(result.status).toBe('escalated');
    expect(result.details).toMatchObject({ outcome: 'escalated', mode: 'escalate-only', rounds: 0 });
    expect(result.escalation!.reasons[0]).toMatch(new RegExp(`^ClusterHealthCritical: escalate-only \\(§7\\); diagnose found p2p-down on ${node}`));
    expect(result.escalation).toMatchObject({ tailscale: expect.anything(), p2pStatus: expect.any(Array), providerStatusPages: expect.any(Array) });
    expect(result.details!.children.map((c) => c.procedure)).toEqual(['diagnose']);
    expect(sim.state().mutations.slice(before).filter((m) => m.source === 'ssh' && /pkill|nohup|restart|tailscale (down|up)/.test(m.command))).toEqual([]);
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual(['p2p-down']);
  });

  it('a finding no procedure fixes (host-down) escalates at once, restarting nothing', async () => {
    const node = workerNode(2);
    sim.fault(node, 'host-down');
    const before = sim.state().mutations.length;
    const r = await post(hook.url, notification([alert({ alertname: 'ClusterConnectivityDegraded' })]), TOKEN);
    const id = r.body.accepted![0]!.workflowId!;
    const result = await env.client.workflow.getHandle<(i: unknown) => Promise<ProcedureResult<IncidentDetails>>>(id).result();
    expect(result.status).toBe('escalated');
    expect(result.escalation!.reasons).toEqual([`no procedure fixes host-down on ${node}`]);
    expect(result.details).toMatchObject({ outcome: 'escalated', rounds: 0 });
    expect(sim.state().mutations.slice(before).filter((m) => m.source === 'ssh' && /pkill|nohup|restart/.test(m.command))).toEqual([]);
  });
});
