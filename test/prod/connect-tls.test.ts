// Production connections (DESIGN §10): a TLS-terminating proxy with a test CA (ALPN h2, client
// certificates required) in front of the dev server. The worker, `runbook diagnose` and a client
// connect through it with mTLS from a temporal.toml profile; so does `runbook webhook`, whose
// posted alert becomes an incident that the worker completes. Wrong settings fail naming the profile.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../src/client/connect.js';
import { buildInput } from '../../src/client/procedures.js';
import { startWorkflow } from '../../src/client/start.js';
import { defaultPolicy } from '../../src/config/loader.js';
import type { IncidentDetails } from '../../src/domain/incident.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import type { DiagnoseReport } from '../../src/domain/report.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { ADMIN_KEY, startCluster } from '../helpers/cluster.js';
import { startDevEnv, uniqueId } from '../helpers/temporal-env.js';
import { makeTestPki, type TestPki } from '../helpers/test-pki.js';
import { startTlsProxy, type TlsProxy } from '../helpers/tls-proxy.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { subnet } from '../helpers/subnets.js';
import { waitForProgress } from '../helpers/wait.js';
import { startWebhookProcess } from '../helpers/webhook-process.js';
import { alert, notification, post } from '../webhook/alerts.js';

const WEBHOOK_TOKEN = 'tls-webhook-token-5be81c0d7a';

let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let proxy: TlsProxy;
let pki: TestPki;
let dir: string;
let toml: string;
let worker: WorkerProcess | undefined;

/** The environment of a process that knows Temporal only through the profile (no TEMPORAL_ADDRESS). */
const profileEnv = (profile: string): Record<string, string> => ({
  TEMPORAL_CONFIG_FILE: toml,
  TEMPORAL_PROFILE: profile,
  TEMPORAL_ADDRESS: '',
  RUNBOOK_CONFIG: sim.hostsFile,
  RUNBOOK_ADMIN_KEY: ADMIN_KEY,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runbook-tls-'));
  pki = makeTestPki(dir);
  [env, sim] = await Promise.all([startDevEnv(), startCluster({ nodes: 4, subnet: subnet('prod/connect-tls'), voters: 3 })]);
  proxy = await startTlsProxy({ target: env.address, cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert });
  toml = join(dir, 'temporal.toml');
  const tls = (ca: string, client: boolean): string =>
    `server_ca_cert_path = "${ca}"\n` + (client ? `client_cert_path = "${pki.clientCert}"\nclient_key_path = "${pki.clientKey}"\n` : '');
  writeFileSync(
    toml,
    `[profile.secure]\naddress = "${proxy.address}"\nnamespace = "default"\n[profile.secure.tls]\n${tls(pki.caCert, true)}\n` +
      `[profile.wrong-ca]\naddress = "${proxy.address}"\n[profile.wrong-ca.tls]\n${tls(pki.otherCaCert, true)}\n` +
      `[profile.no-client-cert]\naddress = "${proxy.address}"\n[profile.no-client-cert.tls]\n${tls(pki.caCert, false)}\n` +
      `[profile.missing-file]\naddress = "${proxy.address}"\n[profile.missing-file.tls]\n` +
      `server_ca_cert_path = "${pki.caCert}"\nclient_cert_path = "${join(dir, 'nope.crt')}"\nclient_key_path = "${pki.clientKey}"\n` +
      `[profile.bad-ca]\naddress = "${proxy.address}"\n[profile.bad-ca.tls]\n${tls(pki.clientKey, true)}\n`,
  );
});
afterAll(async () => {
  await worker?.stop();
  await proxy?.close();
  await sim?.stop();
  await env?.teardown();
});

describe('mTLS through a temporal.toml profile', () => {
  it('the worker, `runbook diagnose` and a client go through the proxy and complete workflows', async () => {
    const before = proxy.authorized;
    worker = startWorkerProcess([], profileEnv('secure'));
    await worker.ready();
    expect(worker.output()).toContain(`profile "secure" in ${toml}`);

    const cli = await runCli(['diagnose', '--json'], profileEnv('secure'));
    expect(cli.code, cli.stderr).toBe(0);
    const report = JSON.parse(cli.stdout) as DiagnoseReport;
    expect(report.nodes.map((n) => n.name).sort()).toEqual(sim.state().nodes.map((n) => n.name).sort());

    const { client, settings } = await connectClient(profileEnv('secure'));
    expect(settings.address).toBe(proxy.address);
    const started = await startWorkflow(client, 'diagnose', { workflowId: uniqueId('tls-diagnose'), input: buildInput(defaultPolicy(), {}) });
    const result = await started.result();
    expect(result.findings).toEqual([]);
    await client.connection.close();
    // Worker, CLI and client all completed a handshake with a client certificate.
    expect(proxy.authorized - before).toBeGreaterThanOrEqual(3);
  });

  it('a wrong CA fails with a message naming the profile and the CA setting', async () => {
    const cli = await runCli(['status', 'whatever'], profileEnv('wrong-ca'));
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('profile "wrong-ca"');
    expect(cli.stderr).toMatch(/TLS handshake failed: .*certificate/);
    expect(cli.stderr).toContain('tls.server_ca_cert_path');
    const w = startWorkerProcess([], profileEnv('wrong-ca'));
    expect(await w.exited).toBe(2);
    expect(w.output()).toContain('profile "wrong-ca"');
    expect(w.output()).toMatch(/UnknownIssuer/);
  });

  it('a missing client certificate fails with a message naming the profile and the missing setting', async () => {
    const refusedBefore = proxy.refused;
    const cli = await runCli(['status', 'whatever'], profileEnv('no-client-cert'));
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('profile "no-client-cert"');
    expect(cli.stderr).toContain('without a client certificate');
    expect(cli.stderr).toContain('tls.client_cert_path');
    const w = startWorkerProcess([], profileEnv('no-client-cert'));
    expect(await w.exited).toBe(2);
    expect(w.output()).toContain('profile "no-client-cert"');
    // The transport error text varies (the server's alert races the first call); our hint does not.
    expect(w.output()).toContain('without a client certificate');
    expect(proxy.refused).toBeGreaterThan(refusedBefore);
  });

  it('a missing certificate file or a CA file that is no certificate is named before connecting', async () => {
    const missing = await runCli(['status', 'whatever'], profileEnv('missing-file'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`tls.client_cert_path of profile "missing-file" in ${toml}: file ${join(dir, 'nope.crt')} does not exist`);
    const bad = await runCli(['status', 'whatever'], profileEnv('bad-ca'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('tls.server_ca_cert_path of profile "bad-ca"');
    expect(bad.stderr).toContain('not a PEM certificate');
    const unknown = await runCli(['status', 'whatever'], profileEnv('nonexistent'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`profile "nonexistent" (TEMPORAL_PROFILE) is not defined in ${toml}`);
  });
});

describe('`runbook webhook` through the same temporal.toml profile', () => {
  it('a posted alert starts an incident through the proxy, the worker completes it', async () => {
    // The worker of the first test (through the proxy, still running), or one of its own when run alone.
    worker ??= startWorkerProcess([], profileEnv('secure'));
    await worker.ready();
    const before = proxy.authorized;
    const hook = startWebhookProcess([], { ...profileEnv('secure'), RUNBOOK_WEBHOOK_TOKEN: WEBHOOK_TOKEN });
    try {
      const url = await hook.ready();
      expect(hook.output()).not.toContain('does not answer yet');
      const health = await fetch(`${url}/healthz`);
      expect(health.status, await health.text()).toBe(200);

      const startsAt = new Date().toISOString();
      const fingerprint = Math.random().toString(16).slice(2, 18);
      const fire = await post(url, notification([alert({ alertname: 'ClusterConnectivityDegraded', startsAt, fingerprint })]), WEBHOOK_TOKEN);
      expect(fire.status, JSON.stringify(fire.body)).toBe(202);
      expect(fire.body.accepted![0]).toMatchObject({ action: 'started' });
      const id = fire.body.accepted![0]!.workflowId!;

      // Visible through the proxy: a client on the same profile follows it to the end.
      const { client } = await connectClient(profileEnv('secure'));
      try {
        const h = client.workflow.getHandle<(i: unknown) => Promise<ProcedureResult<IncidentDetails>>>(id);
        await waitForProgress(h, 'the incident to find the cluster healthy and wait for resolved', (p) =>
          p.steps.some((s) => s.name === 'wait for resolved' && s.state === 'running'),
        );
        const resolved = notification([alert({ alertname: 'ClusterConnectivityDegraded', startsAt, fingerprint, status: 'resolved' })], 'resolved');
        expect((await post(url, resolved, WEBHOOK_TOKEN)).body.accepted![0]).toMatchObject({ action: 'signalled', workflowId: id });
        const result = await h.result();
        expect(result.status, result.summary).toBe('completed');
        expect(result.details).toMatchObject({ outcome: 'resolved', resolvedByAlertmanager: true });
      } finally {
        await client.connection.close();
      }
      // The webhook's own connection was one of the authorized handshakes (client and preflight too).
      expect(proxy.authorized - before).toBeGreaterThanOrEqual(2);
    } finally {
      await hook.stop();
    }
  });

  it.each([
    ['wrong-ca', /TLS handshake failed: .*certificate/, 'tls.server_ca_cert_path'],
    ['no-client-cert', /TLS handshake failed: .*certificate/, 'without a client certificate'],
  ])('profile %s: the webhook exits 2 at start, naming the profile', async (profile, reason, hint) => {
    const hook = startWebhookProcess([], { ...profileEnv(profile), RUNBOOK_WEBHOOK_TOKEN: WEBHOOK_TOKEN });
    // Listening means it started: that is the failure (it would answer 503 forever).
    const ended = await Promise.race([hook.exited, hook.ready().then((url) => `listening on ${url}`, () => 'exited')]);
    await hook.stop();
    expect(ended === 'exited' ? await hook.exited : ended).toBe(2);
    expect(hook.output()).toContain(`profile "${profile}"`);
    expect(hook.output()).toMatch(reason);
    expect(hook.output()).toContain(hint);
    expect(hook.output()).not.toContain('webhook ready');
  });
});
