// A still-firing alert is never silently dropped: Alertmanager repeats an occurrence whose
// incident already ended healthy (our probes saw the node fixed, no `resolved` came within the
// wait). That repeat starts a new run of the incident, which looks again; concurrent repeats
// start one. An escalated incident's repeat stays with the human it paged. The incidents end
// fast here (a 1 s wait for resolved); the repeats go through other webhooks, as from an HA
// Alertmanager pair: one webhook answers an identical post within a minute of the call that
// recorded it from that call (src/webhook/coalesce-fires.ts), and Alertmanager repeats a firing
// alert hours apart (repeat_interval), not within that minute.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_INCIDENT_ID, type IncidentDetails } from '../../src/domain/incident.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import type { WebhookServer } from '../../src/webhook/server.js';
import { useClusterHarness } from '../helpers/harness.js';
import { subnet } from '../helpers/subnets.js';
import { waitFor } from '../helpers/wait.js';
import { alert, notification, post } from './alerts.js';
import { startTestWebhook } from './test-webhook.js';

const TOKEN = 'still-firing-token-8a2f4c6e10';
const harness = useClusterHarness({ name: 'still-firing', nodes: 6, subnet: subnet('webhook/still-firing'), voters: 3 });
const EXTRAS = { resolveWaitMs: 1000 };
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let hook: WebhookServer;
let replica: WebhookServer;
let replica2: WebhookServer;

beforeAll(async () => {
  ({ env, sim } = harness);
  [hook, replica, replica2] = await Promise.all([startTestWebhook(harness, TOKEN, EXTRAS), startTestWebhook(harness, TOKEN, EXTRAS), startTestWebhook(harness, TOKEN, EXTRAS)]);
});

afterAll(async () => {
  await Promise.all([hook?.close(), replica?.close(), replica2?.close()]);
});

type Incident = ProcedureResult<IncidentDetails>;
const handle = (id: string) => env.client.workflow.getHandle<(i: unknown) => Promise<Incident>>(id);

async function runsOf(id: string, n: number): Promise<string[]> {
  return waitFor(`${n} run(s) of ${id} to be listed`, async () => {
    const runs: string[] = [];
    for await (const w of env.client.workflow.list({ query: `WorkflowId = "${id}"` })) runs.push(w.runId);
    return runs.length === n ? runs : undefined;
  });
}

describe('a still-firing alert after its incident ended healthy', () => {
  it('NodeEvicted: the incident fixed the node and ended without a resolved; the repeat starts one new run that looks again', async () => {
    const node = sim.state().nodes.find((n) => n.role === 'worker')!.name;
    sim.fault(node, 'partition');
    const fire = notification([alert({ alertname: 'NodeEvicted', labels: { node }, fingerprint: 'f1a9' })]);
    const first = await post(hook.url, fire, TOKEN);
    expect(first.body.accepted![0]).toMatchObject({ action: 'started' });
    const id = first.body.accepted![0]!.workflowId!;
    const ended = await handle(id).result();
    expect(ended.status, ended.summary).toBe('completed');
    expect(ended.summary).toMatch(/no resolved within/);
    expect(ended.details!.resolvedByAlertmanager).toBe(false);

    // Alertmanager still fires it, to two webhooks at once: one new run, the others join it.
    const mutationsBefore = sim.state().mutations.length;
    const repeats = await Promise.all([post(replica.url, fire, TOKEN), post(replica2.url, fire, TOKEN), post(replica.url, fire, TOKEN)]);
    const answers = repeats.map((r) => r.body.accepted![0]!);
    expect(answers.map((a) => a.workflowId)).toEqual([id, id, id]);
    expect(answers.map((a) => a.action).sort()).toEqual(['joined', 'joined', 'started']);
    expect(answers.find((a) => a.action === 'started')!.reason).toBe('the incident ended healthy but the alert still fires: a new run of it looks again');
    const runs = await runsOf(id, 2);
    const again = await handle(id).result();
    expect(runs).toHaveLength(2);
    // It looked again (a diagnose of its own, named after its run), found the node healthy and
    // changed nothing: a follow-up runs only what its diagnose recommends.
    expect(again.status, again.summary).toBe('completed');
    expect(again.details!.children.map((c) => [c.procedure, c.status])).toEqual([['diagnose', 'completed']]);
    expect(sim.state().mutations.slice(mutationsBefore).filter((m) => m.source === 'ssh')).toEqual([]);
    const earlier = new Set(ended.details!.children.map((c) => c.workflowId));
    expect(again.details!.children.filter((c) => earlier.has(c.workflowId))).toEqual([]);
  });

  it('ClusterConnectivityDegraded: after the cluster incident ended healthy, the repeat opens a new cluster incident', async () => {
    const fire = notification([alert({ alertname: 'ClusterConnectivityDegraded', labels: { node: 'x' }, fingerprint: 'c1a5' })]);
    const first = await post(hook.url, fire, TOKEN);
    expect(first.body.accepted![0]).toMatchObject({ action: 'started', workflowId: CLUSTER_INCIDENT_ID });
    const ended = await handle(CLUSTER_INCIDENT_ID).result();
    expect(ended.summary).toMatch(/healthy; Alertmanager sent no resolved/);
    const repeat = await post(replica.url, fire, TOKEN);
    expect(repeat.body.accepted![0]).toMatchObject({ action: 'started', workflowId: CLUSTER_INCIDENT_ID, reason: expect.stringMatching(/^no cluster incident was open/) });
    await runsOf(CLUSTER_INCIDENT_ID, 2);
    expect((await handle(CLUSTER_INCIDENT_ID).result()).details!.children[0]).toMatchObject({ procedure: 'diagnose', status: 'completed' });
  });

  it('an escalated incident is not run again: the repeat is ignored, the human it paged has it', async () => {
    const fire = notification([alert({ alertname: 'ClusterHealthCritical', fingerprint: 'e5ca1a7e' })]);
    const first = await post(hook.url, fire, TOKEN);
    const id = first.body.accepted![0]!.workflowId!;
    expect((await handle(id).result()).status).toBe('escalated');
    const repeat = await post(replica.url, fire, TOKEN);
    expect(repeat.body.accepted![0]).toMatchObject({ action: 'ignored', reason: 'incident already escalated', workflowId: id });
    await runsOf(id, 1);
  });
});
