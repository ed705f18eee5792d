// The webhook app in process (hono's app.request), with a recording fake of the Temporal
// intake beside the real-HTTP tests: what reaches Temporal for each alert, and what never does.
import { describe, expect, it } from 'vitest';
import { alertRoutes } from '../../src/config/schema.js';
import { defaultPolicy } from '../../src/config/loader.js';
import { createWebhookApp } from '../../src/webhook/app.js';
import { incidentWorkflowId } from '../../src/webhook/route-alert.js';
import type { FireRequest, IncidentIntake } from '../../src/webhook/temporal-intake.js';
import { WebhookTokenError, webhookToken } from '../../src/webhook/token.js';
import { alert, notification } from './alerts.js';

const TOKEN = 'in-process-token-31b8e0c2';

function appWith(routes = defaultPolicy().alerts) {
  const fired: FireRequest[] = [];
  const resolved: string[] = [];
  const intake: IncidentIntake = {
    fire: async (req) => {
      fired.push(req);
      return { action: fired.filter((f) => f.workflowId === req.workflowId).length === 1 ? 'started' : 'joined' };
    },
    resolve: async (id) => {
      resolved.push(id);
      return { action: 'signalled' };
    },
    healthy: async () => true,
  };
  const { app } = createWebhookApp({
    token: TOKEN,
    intake,
    routes: () => routes,
    nodes: () => new Set(['gpu-1', 'gpu-2']),
    incidentInput: (r) => ({ ...r, fromPolicy: true }),
    workflowUrl: (id) => `http://ui/${id}`,
  });
  const send = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    app.request('/alerts/alertmanager', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { app, fired, resolved, send };
}

describe('webhook app (in process)', () => {
  it('routes NodeEvicted to recover-node on the labelled node, copying only the routed labels', async () => {
    const { send, fired } = appWith();
    const res = await send(notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-2', secret: 'x', severity: 'page' }, startsAt: '2026-11-29T19:42:13.5Z', fingerprint: 'f1' })]));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: [{ alert: 'NodeEvicted', fingerprint: 'f1', workflowId: 'incident-recover-node-gpu-2-20261129T194213500Z', url: 'http://ui/incident-recover-node-gpu-2-20261129T194213500Z', action: 'started' }],
    });
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      node: 'gpu-2',
      alert: { alertname: 'NodeEvicted', labels: { alertname: 'NodeEvicted', severity: 'page' } },
      input: { procedure: 'recover-node', mode: 'remediate', target: 'gpu-2', fromPolicy: true },
    });
    expect(JSON.stringify(fired[0])).not.toContain('secret');
  });

  it('a resolved alert is only ever a signal, never a start', async () => {
    const { send, fired, resolved } = appWith();
    const res = await send(notification([alert({ alertname: 'ClusterConnectivityDegraded', status: 'resolved', startsAt: '2026-01-01T00:00:00Z' })], 'resolved'));
    expect(((await res.json()) as { accepted: Array<{ action: string }> }).accepted[0]!.action).toBe('signalled');
    expect(fired).toEqual([]);
    expect(resolved).toEqual(['incident-connectivity-incident-cluster-20260101T000000000Z']);
  });

  it('ClusterHealthCritical gets its own escalate-only incident, apart from a degraded one of the same second', async () => {
    const { send, fired } = appWith();
    const startsAt = '2026-05-05T05:05:05Z';
    await send(notification([alert({ alertname: 'ClusterHealthCritical', startsAt }), alert({ alertname: 'ClusterConnectivityDegraded', startsAt })]));
    expect(fired.map((f) => [f.workflowId, f.input['mode']])).toEqual([
      ['incident-connectivity-incident-escalate-only-cluster-20260505T050505000Z', 'escalate-only'],
      ['incident-connectivity-incident-cluster-20260505T050505000Z', 'remediate'],
    ]);
  });

  it('follows config: a route added in runbook.yaml, a node label of its own', async () => {
    const routes = alertRoutes({ GpuNodeP2PDown: { procedure: 'restart-p2p', node_label: 'instance_name' } });
    const { send, fired } = appWith(routes);
    const res = await send(notification([alert({ alertname: 'GpuNodeP2PDown', labels: { instance_name: 'gpu-1', node: 'gpu-2' } })]));
    expect(res.status).toBe(202);
    expect(fired[0]!.input).toMatchObject({ procedure: 'restart-p2p', target: 'gpu-1' });
    // The five defaults stay.
    expect(Object.keys(routes).sort()).toEqual(['ClusterConnectivityDegraded', 'ClusterHealthCritical', 'GpuNodeP2PDown', 'LeaderElectionStalled', 'NodeEvicted', 'SyncHostCritical']);
  });

  it('every auth problem is a 401, never a 400, and nothing is fired', async () => {
    const { send, fired } = appWith();
    for (const authorization of ['Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${TOKEN} extra`, `bearer ${TOKEN}x`, 'Bearer a"b']) {
      const res = await send(notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-1' } })]), { authorization });
      expect(res.status, authorization).toBe(401);
    }
    expect(fired).toEqual([]);
  });

  it('the body limit holds for a declared length (body never read) and for a chunked body alike', async () => {
    const { app, fired } = appWith();
    const body = JSON.stringify(notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-1' } })]));
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    // A declared Content-Length over 1 MiB is refused from the header alone.
    const declared = await app.request('/alerts/alertmanager', { method: 'POST', headers: { ...headers, 'content-length': String(1024 * 1024 + 1) }, body });
    expect(declared.status).toBe(413);
    expect(declared.headers.get('connection')).toBe('close');
    // No Content-Length (chunked): counted as it streams in.
    const chunked = (text: string) =>
      app.request('/alerts/alertmanager', {
        method: 'POST',
        headers,
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < text.length; i += 64 * 1024) c.enqueue(new TextEncoder().encode(text.slice(i, i + 64 * 1024)));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    expect((await chunked(JSON.stringify({ ...JSON.parse(body), pad: 'x'.repeat(1024 * 1024) }))).status).toBe(413);
    expect(fired).toEqual([]);
    expect((await chunked(body)).status).toBe(202);
    // Another occurrence (another node): the same one again would be answered from its recorded call.
    const other = JSON.stringify(notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-2' } })]));
    const exact = await app.request('/alerts/alertmanager', { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(other)) }, body: other });
    expect(exact.status).toBe(202);
    expect(fired.map((f) => f.node)).toEqual(['gpu-1', 'gpu-2']);
  });

  it('tells the intake how each occurrence relates to the open cluster incident, and names the node of a per-node cluster alert', async () => {
    const { send, fired } = appWith();
    await send(notification([
      alert({ alertname: 'ClusterConnectivityDegraded', labels: { node: 'gpu-1' }, fingerprint: 'a1' }),
      alert({ alertname: 'ClusterConnectivityDegraded', labels: { node: 'gpu-9' }, fingerprint: 'a2' }),
      alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-2' }, fingerprint: 'a3' }),
      alert({ alertname: 'ClusterHealthCritical', fingerprint: 'a4' }),
    ]));
    expect(fired.map((f) => [f.alert.fingerprint, f.clusterIncident, f.alert.node, f.node])).toEqual([
      // Opens or joins it; the node is for the record only (not a target, no node search attribute).
      ['a1', 'opens', 'gpu-1', undefined],
      // A label naming no configured node is not recorded as a node.
      ['a2', 'opens', undefined, undefined],
      ['a3', 'joins', 'gpu-2', 'gpu-2'],
      // Escalate-only changes nothing: it keeps an incident of its own.
      ['a4', undefined, undefined, undefined],
    ]);
  });

  it('answers with the incident that recorded the alert: the open cluster incident it joined', async () => {
    const { app } = createWebhookApp({
      token: TOKEN,
      intake: { fire: async () => ({ action: 'joined', workflowId: 'incident-cluster', reason: 'covered' }), resolve: async () => ({ action: 'signalled', workflowId: 'incident-cluster' }), healthy: async () => true },
      routes: () => defaultPolicy().alerts,
      nodes: () => new Set(['gpu-1']),
      incidentInput: (r) => ({ ...r }),
      workflowUrl: (id) => `http://ui/${id}`,
    });
    const res = await app.request('/alerts/alertmanager', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(notification([alert({ alertname: 'NodeEvicted', labels: { node: 'gpu-1' }, fingerprint: 'b1' })])),
    });
    expect(((await res.json()) as { accepted: unknown[] }).accepted).toEqual([
      { alert: 'NodeEvicted', fingerprint: 'b1', workflowId: 'incident-cluster', url: 'http://ui/incident-cluster', action: 'joined', reason: 'covered' },
    ]);
  });

  it('a prototype key as alert name is just an unknown alert', async () => {
    const { send, fired } = appWith();
    const res = await send(notification([alert({ alertname: '__proto__' }), alert({ alertname: 'constructor' })]));
    expect(((await res.json()) as { accepted: Array<{ action: string }> }).accepted.map((a) => a.action)).toEqual(['ignored', 'ignored']);
    expect(fired).toEqual([]);
  });
});

describe('incident IDs and the token', () => {
  it('the ID is the same for every spelling of one instant and differs for another', () => {
    const a = incidentWorkflowId('recover-node', 'remediate', 'gpu-1', '2026-11-29T19:42:13.123456789Z');
    expect(a).toBe('incident-recover-node-gpu-1-20261129T194213123Z');
    expect(incidentWorkflowId('recover-node', 'remediate', 'gpu-1', '2026-11-29T20:42:13.123+01:00')).toBe(a);
    expect(incidentWorkflowId('recover-node', 'remediate', 'gpu-1', '2026-11-29T19:42:14Z')).not.toBe(a);
  });

  it('refuses a missing, short or non-bearer token without quoting it', () => {
    expect(() => webhookToken({})).toThrow(WebhookTokenError);
    expect(() => webhookToken({ RUNBOOK_WEBHOOK_TOKEN: 'abc' })).toThrow(/3 characters long; use at least 16/);
    const spaced = 'has a space in it, long enough';
    expect(() => webhookToken({ RUNBOOK_WEBHOOK_TOKEN: spaced })).toThrow(/may only contain/);
    try {
      webhookToken({ RUNBOOK_WEBHOOK_TOKEN: spaced });
    } catch (err) {
      expect((err as Error).message).not.toContain(spaced);
    }
    expect(webhookToken({ RUNBOOK_WEBHOOK_TOKEN: TOKEN })).toBe(TOKEN);
  });
});

describe('GET /healthz', () => {
  it('answers from a cached health state: a burst of probes makes one Temporal call, a later probe another', async () => {
    let calls = 0;
    let up = true;
    let clock = 0;
    const intake: IncidentIntake = {
      fire: async () => ({ action: 'started' }),
      resolve: async () => ({ action: 'signalled' }),
      healthy: async () => {
        calls++;
        return up;
      },
    };
    const { app } = createWebhookApp({
      token: TOKEN,
      intake,
      routes: () => defaultPolicy().alerts,
      nodes: () => new Set(),
      incidentInput: (r) => r,
      workflowUrl: (id) => id,
      health: { maxAgeMs: 5_000, now: () => clock },
    });
    const burst = Array.from({ length: 50 }, () => app.request('/healthz'));
    expect((await Promise.all(burst)).map((r) => r.status)).toEqual(Array(50).fill(200));
    expect((await app.request('/healthz')).status).toBe(200);
    expect(calls).toBe(1);
    clock += 5_000; // the state is old: the next probe asks Temporal again, and hears it is down
    up = false;
    expect((await app.request('/healthz')).status).toBe(503);
    expect(calls).toBe(2);
  });
});
