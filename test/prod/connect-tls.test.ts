// Production connections (DESIGN §10): a TLS-terminating proxy with a test CA (ALPN h2, client
// certificates required) in front of the dev server. The worker, `runbook diagnose` and a client
// connect through it with mTLS from a temporal.toml profile; wrong settings fail naming the profile.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../src/client/connect.js';
import { buildInput } from '../../src/client/procedures.js';
import { startWorkflow } from '../../src/client/start.js';
import { defaultPolicy } from '../../src/config/loader.js';
import type { DiagnoseReport } from '../../src/domain/report.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { ADMIN_KEY, startCluster } from '../helpers/cluster.js';
import { startDevEnv, uniqueId } from '../helpers/temporal-env.js';
import { makeTestPki, type TestPki } from '../helpers/test-pki.js';
import { startTlsProxy, type TlsProxy } from '../helpers/tls-proxy.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { subnet } from '../helpers/subnets.js';

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
