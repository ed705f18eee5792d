// One cluster problem is one incident (DESIGN §8): the generated ClusterConnectivityDegraded rule
// fires once per node, each occurrence with its own startsAt. Posted to the webhook (two of them,
// on one dev server) over real HTTP, separately, at once, or as one Alertmanager post, they open
// one incident under the deterministic ID `incident-cluster`; the others are answered `joined`
// with its ID. A node alert for a node it covers joins it and makes it look again. A real worker
// runs the incident and its children against the simulator.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInput } from '../../src/client/procedures.js';
import { type AlertRef, CLUSTER_INCIDENT_ID, type IncidentDetails } from '../../src/domain/incident.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { incidentWorkflowId } from '../../src/webhook/route-alert.js';
import type { WebhookServer } from '../../src/webhook/server.js';
import { alertSignal, progressQuery } from '../../workflows/messages.js';
import { testPolicy } from '../helpers/cluster.js';
import { useClusterHarness } from '../helpers/harness.js';
import { subnet } from '../helpers/subnets.js';
import { waitFor, waitForProgress } from '../helpers/wait.js';
import { alert, notification, post, type Posted } from './alerts.js';
import { startTestWebhook } from './test-webhook.js';

const TOKEN = 'cluster-incident-token-5e1d09ab77';
const harness = useClusterHarness({ name: 'cluster-incident', nodes: 10, subnet: subnet('webhook/cluster-incident'), voters: 3 });
/** Long enough that the incident waits for our `resolved` in every test. */
const EXTRAS = { resolveWaitMs: 600_000 };
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let hook: WebhookServer;
let second: WebhookServer;

beforeAll(async () => {
  ({ env, sim } = harness);
  [hook, second] = await Promise.all([startTestWebhook(harness, TOKEN, EXTRAS), startTestWebhook(harness, TOKEN, EXTRAS)]);
});

afterAll(async () => {
  await Promise.all([hook?.close(), second?.close()]);
});

type Incident = ProcedureResult<IncidentDetails>;
const lane = () => env.client.workflow.getHandle<(i: unknown) => Promise<Incident>>(CLUSTER_INCIDENT_ID);

/** Worker nodes (not voters): restarting them never touches the election quorum. */
function workers(n: number): string[] {
  return sim.state().nodes.filter((x) => x.role === 'worker').slice(0, n).map((x) => x.name);
}

let seq = 0;
/** Occurrences of the per-node rule within one minute: each its own startsAt and fingerprint. */
function perNode(nodes: string[]): Array<Record<string, unknown>> {
  const base = Date.now() + ++seq * 3_600_000;
  return nodes.map((node, i) =>
    alert({ alertname: 'ClusterConnectivityDegraded', labels: { node }, startsAt: new Date(base + i * 10_000).toISOString(), fingerprint: `${seq}c${i}` }),
  );
}

const resolvedOf = (a: Record<string, unknown>) => ({ ...a, status: 'resolved', endsAt: new Date().toISOString() });
const accepted = (answers: Posted[]) => answers.flatMap((a) => a.body.accepted ?? []);

async function incidentsInQueue(): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of env.client.workflow.list({ query: `WorkflowType = "connectivity-incident" AND TaskQueue = "${harness.taskQueue}"` })) ids.push(`${w.workflowId}/${w.runId}`);
  return ids.sort();
}

/** Waits until the open cluster incident is healthy and waiting for Alertmanager's resolved. */
function waitingForResolved(what: string) {
  return waitForProgress(lane(), what, (p) => p.steps.some((s) => s.name === 'wait for resolved' && s.state === 'running'), { timeoutMs: 110_000 });
}

/** Waits until the cluster incident has handled its last `signal` (a workflow task completed after it). */
async function handled(signal: string): Promise<void> {
  await waitFor(`the cluster incident to handle its ${signal} signal`, async () => {
    const events = (await lane().fetchHistory()).events ?? [];
    const at = events.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).lastIndexOf(signal);
    return at >= 0 && events.slice(at).some((e) => e.workflowTaskCompletedEventAttributes);
  });
}

/** Resolves every occurrence and returns the incident's result. */
async function resolveAll(alerts: Array<Record<string, unknown>>): Promise<Incident> {
  const r = await post(hook.url, notification(alerts.map(resolvedOf), 'resolved'), TOKEN);
  expect(r.status).toBe(202);
  for (const a of r.body.accepted!) expect(a).toMatchObject({ action: 'signalled', workflowId: CLUSTER_INCIDENT_ID });
  return lane().result();
}

describe('one cluster problem, one incident', () => {
  it('five dead daemons, five per-node occurrences posted at once to two webhooks: one incident, four joined, each node restarted once', async () => {
    const before = await incidentsInQueue();
    const nodes = workers(5);
    for (const n of nodes) sim.fault(n, 'p2p-down');
    const alerts = perNode(nodes);
    const answers = await Promise.all(alerts.map((a, i) => post((i % 2 === 0 ? hook : second).url, notification([a]), TOKEN)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const all = accepted(answers);
    expect(all.filter((a) => a.action === 'started')).toHaveLength(1);
    expect(all.filter((a) => a.action === 'joined')).toHaveLength(4);
    for (const a of all) expect(a).toMatchObject({ workflowId: CLUSTER_INCIDENT_ID, url: `http://ui.test/namespaces/default/workflows/${CLUSTER_INCIDENT_ID}` });

    const p = await waitingForResolved('the cluster incident to restart the five daemons');
    const opener = alerts[all.findIndex((a) => a.action === 'started')]!;
    // The other four are named in its progress, with their nodes.
    expect(p.joined!.map((j) => j.node).sort()).toEqual(nodes.filter((n) => n !== (opener['labels'] as Record<string, string>)['node']).sort());
    const restarts = p.children!.filter((c) => c.procedure === 'restart-p2p');
    expect(restarts.map((c) => c.node).sort()).toEqual([...nodes].sort());
    for (const n of nodes) expect(sim.state().nodes.find((x) => x.name === n)!.faults).toEqual([]);
    // Nothing else started: the only new incident in the task queue is this one run.
    const after = await waitFor('the cluster incident to be listed', async () => {
      const ids = await incidentsInQueue();
      return ids.some((id) => id.startsWith(`${CLUSTER_INCIDENT_ID}/`) && !before.includes(id)) ? ids : undefined;
    });
    expect(after.filter((id) => !before.includes(id))).toHaveLength(1);

    const result = await resolveAll(alerts);
    expect(result.status, result.summary).toBe('completed');
    expect(result.details).toMatchObject({ outcome: 'resolved', resolvedByAlertmanager: true, target: 'cluster' });
    expect(result.details!.joined).toHaveLength(4);
  });

  it('one Alertmanager post with five alerts: one incident; a new occurrence after it ended is a new run with children of its own', async () => {
    const firstRun = (await lane().describe()).runId;
    const firstChildren = new Set((await lane().result()).details!.children.map((c) => c.workflowId));
    const alerts = perNode(workers(5));
    const r = await post(hook.url, notification(alerts), TOKEN);
    expect(r.status).toBe(202);
    const actions = r.body.accepted!.map((a) => a.action);
    expect(actions.filter((a) => a === 'started')).toHaveLength(1);
    expect(actions.filter((a) => a === 'joined')).toHaveLength(4);
    expect(new Set(r.body.accepted!.map((a) => a.workflowId))).toEqual(new Set([CLUSTER_INCIDENT_ID]));
    expect(r.body.accepted!.find((a) => a.action === 'started')!.reason).toMatch(/^no cluster incident was open: this alert opened it/);

    await waitingForResolved('the second cluster incident to find the cluster healthy');
    expect((await lane().describe()).runId).not.toBe(firstRun);
    const result = await resolveAll(alerts);
    expect(result.details).toMatchObject({ outcome: 'resolved', resolvedByAlertmanager: true });
    // Named after its run: never the ID of an earlier run's child.
    for (const c of result.details!.children) expect(firstChildren.has(c.workflowId), c.workflowId).toBe(false);
  });

  it('a node alert for a node the open cluster incident covers joins it; the incident looks again and fixes that node', async () => {
    const [opener] = perNode(workers(1));
    expect((await post(hook.url, notification([opener!]), TOKEN)).body.accepted![0]).toMatchObject({ action: 'started', workflowId: CLUSTER_INCIDENT_ID });
    await waitingForResolved('the cluster incident to find the cluster healthy');

    const node = workers(3)[2]!;
    sim.fault(node, 'partition');
    const evicted = alert({ alertname: 'NodeEvicted', labels: { node }, fingerprint: 'e71c7ed' });
    const joined = await post(second.url, notification([evicted]), TOKEN);
    expect(joined.body.accepted![0]).toMatchObject({ action: 'joined', workflowId: CLUSTER_INCIDENT_ID, reason: `the open cluster incident covers ${node}: it looks at it in its next round` });

    const p = await waitForProgress(lane(), `the cluster incident to look again and fix ${node}`, (x) =>
      (x.children ?? []).some((c) => c.node === node && c.procedure !== 'diagnose' && c.status === 'completed') &&
      x.steps.some((s) => s.name === 'wait for resolved' && s.state === 'running'),
    { timeoutMs: 110_000 });
    expect(p.joined).toEqual([expect.objectContaining({ alertname: 'NodeEvicted', node, fingerprint: 'e71c7ed' })]);
    expect(p.steps.map((s) => s.name)).toContain('look again (diagnose 1)');
    expect(sim.state().nodes.find((x) => x.name === node)!.faults).toEqual([]);
    // It never got an incident of its own.
    const own = incidentWorkflowId('recover-node', 'remediate', node, evicted['startsAt'] as string);
    await expect(env.client.workflow.getHandle(own).describe()).rejects.toThrow(WorkflowNotFoundError);

    // Both occurrences must resolve before the incident counts as resolved by Alertmanager.
    const one = await post(hook.url, notification([resolvedOf(opener!)], 'resolved'), TOKEN);
    expect(one.body.accepted![0]).toMatchObject({ action: 'signalled', workflowId: CLUSTER_INCIDENT_ID });
    await handled('alert-resolved');
    const still = await lane().query(progressQuery);
    expect(still.steps.find((s) => s.name === 'wait for resolved')?.state).toBe('running');
    expect(still.steps.map((s) => s.name).filter((n) => n.startsWith('verify'))).toEqual([]);
    const result = await resolveAll([evicted]);
    expect(result.details).toMatchObject({ outcome: 'resolved', resolvedByAlertmanager: true });
    expect(result.details!.joined).toEqual([expect.objectContaining({ alertname: 'NodeEvicted', node })]);
  });

  it('an incident started under its per-occurrence ID (before an upgrade) keeps its repeats and its resolved; no cluster incident opens', async () => {
    const laneBefore = await lane().describe();
    const startsAt = new Date(Date.now() + ++seq * 3_600_000).toISOString();
    const legacyId = incidentWorkflowId('connectivity-incident', 'remediate', 'cluster', startsAt);
    const fire = alert({ alertname: 'ClusterConnectivityDegraded', startsAt, fingerprint: '01dc0de' });
    const ref: AlertRef = { alertname: 'ClusterConnectivityDegraded', fingerprint: '01dc0de', startsAt, status: 'firing', labels: { alertname: 'ClusterConnectivityDegraded', severity: 'critical' } };
    const policy = testPolicy();
    const legacy = await env.client.workflow.signalWithStart('connectivity-incident', {
      taskQueue: harness.taskQueue,
      workflowId: legacyId,
      args: [{ ...buildInput(policy, { requestedBy: 'alertmanager:ClusterConnectivityDegraded/01dc0de' }), alert: ref, procedure: 'connectivity-incident', mode: 'remediate', target: 'cluster', slotsWorkflowId: `slots-${harness.taskQueue}`, resolveWaitMs: 600_000 }],
      signal: alertSignal,
      signalArgs: [ref],
    });
    await waitForProgress(legacy, 'the legacy incident to wait for resolved', (p) => p.steps.some((s) => s.name === 'wait for resolved' && s.state === 'running'), { timeoutMs: 110_000 });

    const repeat = await post(hook.url, notification([fire]), TOKEN);
    expect(repeat.body.accepted![0]).toMatchObject({ action: 'joined', workflowId: legacyId });
    const resolved = await post(hook.url, notification([resolvedOf(fire)], 'resolved'), TOKEN);
    expect(resolved.body.accepted![0]).toMatchObject({ action: 'signalled', workflowId: legacyId });
    const result = (await legacy.result()) as Incident;
    expect(result.details).toMatchObject({ outcome: 'resolved', resolvedByAlertmanager: true, repeats: 2 });
    const laneAfter = await lane().describe();
    expect([laneAfter.runId, laneAfter.status.name]).toEqual([laneBefore.runId, 'COMPLETED']);
  });
});
