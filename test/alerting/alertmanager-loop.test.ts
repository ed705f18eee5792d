// The alerting loop with the real tools (DESIGN §8, docs/reference/alerting-rules.md): the
// simulator's nodes serve /metrics, real Prometheus scrapes them with the rules `runbook config
// prometheus` writes, real Alertmanager posts Alertmanager's v4 webhook payload with the bearer
// token to a plain node:http receiver standing in for our webhook. A fault fires its alert with the
// right `node` label; healing it brings a `resolved` notification. Subnet 121.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { alertingBinariesInstalled, startTestAlertingStack, type TestAlertingStack } from '../helpers/alerting-stack.js';
import { waitFor } from '../helpers/wait.js';

interface V4Alert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}
interface V4Payload {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: V4Alert[];
}
interface Post {
  path: string;
  authorization: string | undefined;
  body: V4Payload;
}

const inCi = Boolean(process.env['CI']);
if (!alertingBinariesInstalled && !inCi) console.warn('skipping the Prometheus/Alertmanager loop: install Debian prometheus and prometheus-alertmanager (in CI this fails)');
const TOKEN = 'loop-test-token-7f3a9c';

describe.skipIf(!alertingBinariesInstalled && !inCi)('real Prometheus + Alertmanager against the simulator', () => {
  let sim: SimulatorHandle;
  let stack: TestAlertingStack;
  let receiver: http.Server;
  const posts: Post[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'runbook-alert-loop-'));

  beforeAll(async () => {
    if (!alertingBinariesInstalled) throw new Error('prometheus / prometheus-alertmanager missing: CI must install both Debian packages');
    sim = await startSimulator({ nodes: 5, voters: 3, subnet: 18, outDir: join(dir, 'sim') });
    receiver = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (raw += d));
      req.on('end', () => {
        // Prometheus also scrapes the webhook's GET /metrics here: only posts are notifications.
        if (req.method !== 'POST') {
          res.writeHead(404);
          res.end();
          return;
        }
        posts.push({ path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(raw) as V4Payload });
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('{"accepted":[]}');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const { port } = receiver.address() as AddressInfo;
    stack = await startTestAlertingStack({ hostsFile: sim.hostsFile, webhookUrl: `http://127.0.0.1:${port}`, token: TOKEN });
    await stack.waitForNodesUp();
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    receiver?.closeAllConnections();
    receiver?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The first notification carrying `alertname` (on `node`, when given) in state `status`. */
  function notified(alertname: string, status: 'firing' | 'resolved', node?: string, fingerprint?: string): () => { post: Post; alert: V4Alert } | undefined {
    return () => {
      for (const post of posts) {
        const alert = post.body.alerts.find(
          (a) =>
            a.labels['alertname'] === alertname &&
            a.status === status &&
            (node === undefined || a.labels['node'] === node) &&
            (fingerprint === undefined || a.fingerprint === fingerprint),
        );
        if (alert) return { post, alert };
      }
      return undefined;
    };
  }

  it('p2p-down → ClusterConnectivityDegraded for that node, posted as v4 with the bearer token; heal → resolved', async () => {
    const victim = sim.state().nodes[3]!.name;
    sim.fault(victim, 'p2p-down');
    const { post, alert } = await waitFor(`a firing ClusterConnectivityDegraded for ${victim}`, notified('ClusterConnectivityDegraded', 'firing', victim), { timeoutMs: 60_000 });
    expect(post.path).toBe('/alerts/alertmanager');
    expect(post.authorization).toBe(`Bearer ${TOKEN}`);
    expect(post.body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'runbook-webhook',
      truncatedAlerts: 0,
      groupLabels: { alertname: 'ClusterConnectivityDegraded', node: victim },
      commonLabels: { alertname: 'ClusterConnectivityDegraded', node: victim, job: 'ringrift-cluster', severity: 'high' },
    });
    expect(post.body.groupKey).toContain(victim);
    expect(post.body.externalURL).toBe(stack.alertmanagerUrl);
    expect(alert.annotations['summary']).toBe(`P2P daemon of ${victim} unreachable`);
    expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(Date.parse(alert.startsAt)).not.toBeNaN();
    expect(alert.generatorURL.startsWith(`${stack.prometheusUrl}/graph?`)).toBe(true);

    sim.fault(victim, 'p2p-down', { clear: true });
    const resolved = await waitFor(`the resolved notification for ${victim}`, notified('ClusterConnectivityDegraded', 'resolved', victim, alert.fingerprint), { timeoutMs: 60_000 });
    expect(resolved.post.authorization).toBe(`Bearer ${TOKEN}`);
    expect(resolved.alert.startsAt).toBe(alert.startsAt);
  }, 150_000);

  it('partition → NodeEvicted for the partitioned node only; heal → resolved', async () => {
    const victim = sim.state().nodes[4]!.name;
    sim.fault(victim, 'partition');
    const { alert } = await waitFor(`a firing NodeEvicted for ${victim}`, notified('NodeEvicted', 'firing', victim), { timeoutMs: 60_000 });
    expect(alert.labels['node']).toBe(victim);
    sim.fault(victim, 'partition', { clear: true });
    await waitFor(`the resolved NodeEvicted for ${victim}`, notified('NodeEvicted', 'resolved', victim, alert.fingerprint), { timeoutMs: 60_000 });
    // Only the partitioned node was ever reported evicted.
    const evicted = new Set(posts.flatMap((p) => p.body.alerts).filter((a) => a.labels['alertname'] === 'NodeEvicted').map((a) => a.labels['node']));
    expect([...evicted]).toEqual([victim]);
  }, 150_000);

  it('sync-stalled → one SyncHostCritical for the coordinator (the sync host); heal → resolved', async () => {
    const coordinator = sim.state().coordinator;
    sim.fault('cluster', 'sync-stalled');
    const { alert } = await waitFor('a firing SyncHostCritical', notified('SyncHostCritical', 'firing'), { timeoutMs: 90_000 });
    expect(alert.labels['node']).toBe(coordinator);
    expect(alert.annotations['description']).toMatch(/^4 data categories have made no sync progress/);
    sim.fault('cluster', 'sync-stalled', { clear: true });
    await waitFor('the resolved SyncHostCritical', notified('SyncHostCritical', 'resolved', coordinator, alert.fingerprint), { timeoutMs: 60_000 });
  }, 180_000);

  it('leader-lost → LeaderElectionStalled, cluster-wide (no node label); heal → resolved', async () => {
    sim.fault('cluster', 'leader-lost');
    const { alert } = await waitFor('a firing LeaderElectionStalled', notified('LeaderElectionStalled', 'firing'), { timeoutMs: 60_000 });
    expect(alert.labels['node']).toBeUndefined();
    sim.fault('cluster', 'leader-lost', { clear: true });
    await waitFor('the resolved LeaderElectionStalled', notified('LeaderElectionStalled', 'resolved', undefined, alert.fingerprint), { timeoutMs: 60_000 });
    // Every notification carried the token.
    expect(posts.every((p) => p.authorization === `Bearer ${TOKEN}`)).toBe(true);
  }, 150_000);
});
