// Rehearsals of real hosts files with public addresses, in this process, under a guard that fails
// any connection leaving loopback: the seed's own file (every case of `--all`) and a 20-node file
// with 5 voters and 3 providers (each procedure, the alert path, more than half down). Each twin
// runs a real Temporal dev server, a real worker and the simulator's real SSH and HTTP servers.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/loader.js';
import { isLoopbackV4 } from '../../src/rehearse/loopback-guard.js';
import { formatTable } from '../../src/rehearse/report.js';
import { rehearse, type RehearsalReport } from '../../src/rehearse/rehearse.js';
import { ALL_SCENARIOS, MAJORITY_DOWN, scenario } from '../../src/rehearse/scenarios.js';
import { WORKFLOWS_PATH } from '../../src/worker/worker.js';
import { subnet } from '../helpers/subnets.js';
// Worker lifecycle chatter (a worker per case) and the bundler's report go to this file's log.
import { testLogger } from '../helpers/test-runtime.js';

const SEED_HOSTS = 'config/distributed_hosts.yaml';
const POLICY = 'config/runbook.yaml';
const SUBNET = subnet('rehearse/rehearse');

// ---- the guard: every socket this process opens is recorded; one off loopback fails at once ----
const connects: string[] = [];
const violations: string[] = [];
const realConnect = net.Socket.prototype.connect;
function targetOf(raw: unknown[]): { host?: string; path?: string; port?: unknown } {
  // net.connect() hands the socket its arguments already normalized, as one array.
  const args = Array.isArray(raw[0]) ? (raw[0] as unknown[]) : raw;
  const [a, b] = args;
  if (typeof a === 'object' && a !== null) {
    const o = a as { host?: string; path?: string; port?: unknown };
    return { ...(o.path !== undefined ? { path: o.path } : { host: o.host ?? 'localhost', port: o.port }) };
  }
  if (typeof a === 'number' || (typeof a === 'string' && /^\d+$/.test(a))) return { host: typeof b === 'string' ? b : 'localhost', port: a };
  return { path: String(a) };
}
beforeAll(() => {
  net.Socket.prototype.connect = function guarded(this: net.Socket, ...args: unknown[]) {
    const t = targetOf(args);
    if (t.path === undefined) {
      const host = t.host!;
      connects.push(`${host}:${String(t.port)}`);
      if (!(isLoopbackV4(host) || host === 'localhost' || host === '::1')) {
        violations.push(`${host}:${String(t.port)}`);
        throw new Error(`test guard: connection to ${host}:${String(t.port)} leaves loopback`);
      }
    }
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
});
afterAll(() => {
  net.Socket.prototype.connect = realConnect;
});

const tmp = mkdtempSync(join(tmpdir(), 'rehearse-test-'));
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
let workflowBundle: { code: string };
beforeAll(async () => {
  workflowBundle = { code: (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: testLogger })).code };
}, 180_000);

/** 20 nodes of three providers (by their §9 address ranges), 5 voters, backbone ≠ coordinator. */
function twentyNodeFile(): string {
  const providers = [
    (i: number) => ({ name: `nebius-h200-${i}`, host: `89.169.112.${10 + i}`, fallback_host: `10.1.0.${10 + i}` }),
    (i: number) => ({ name: `runpod-a100-${i}`, host: `38.80.153.${10 + i}` }),
    (i: number) => ({ name: `vultr-h100-${i}`, host: `208.167.241.${10 + i}` }),
  ];
  const hosts = Array.from({ length: 20 }, (_, i) => ({ ...providers[i % 3]!(i + 1), port: 22 }));
  const file = join(tmp, 'twenty.yaml');
  writeFileSync(
    file,
    yaml.dump({
      hosts,
      voter_nodes: [hosts[0]!.name, hosts[1]!.name, hosts[2]!.name, hosts[4]!.name, hosts[8]!.name],
      coordinator: hosts[0]!.name,
      backbone: hosts[3]!.name,
    }),
  );
  return file;
}

function checkReport(r: RehearsalReport, file: string, cases: number): void {
  const table = formatTable(r.results);
  expect(r.results, table).toHaveLength(cases);
  for (const c of r.results) expect(c.asExpected, `${c.procedure} / ${c.fault}: ${c.reason ?? ''}\n${table}`).toBe(true);
  expect(r.ok).toBe(true);
  expect(table.split('\n').at(-1)).toBe(`${cases}/${cases} as the runbook promises`);
  const names = new Set(loadCluster(file).hosts.map((h) => h.name));
  for (const c of r.results) {
    // The twin carries the file's own names: every node a run acted on is one of them.
    for (const w of c.workflows) if (w.node !== undefined) expect(names, w.node).toContain(w.node);
    for (const cmd of c.commands) expect(names, cmd.node).toContain(cmd.node);
    if (c.expect === 'healed' && c.procedure === 'update-hosts') {
      // Its change is the twin's hosts file (which the simulator rereads), not a node command.
      const steps = c.workflows.flatMap((w) => w.steps);
      expect(steps.find((s) => s.name === 'write hosts file')).toMatchObject({ state: 'done', detail: expect.stringContaining('written') });
    } else if (c.expect === 'healed') {
      expect(c.commands.length, `${c.procedure} / ${c.fault} changed nothing`).toBeGreaterThan(0);
      expect(c.steps).toBeGreaterThan(0);
    } else {
      expect(c.commands, `${c.procedure} / ${c.fault}`).toEqual([]);
    }
  }
}

describe('rehearsals never leave loopback and never write the real file', () => {
  it('the seed\'s own hosts file: every case of --all ends as the runbook promises', async () => {
    const before = sha256(SEED_HOSTS);
    const lines: string[] = [];
    const r = await rehearse({ what: { kind: 'all' }, hostsFile: SEED_HOSTS, policyFile: POLICY, subnet: SUBNET, workflowBundle, say: (l) => lines.push(l) });
    checkReport(r, SEED_HOSTS, ALL_SCENARIOS.length);
    expect(r.twin).toMatchObject({ nodes: 8, coordinator: 'nebius-backbone-1', voters: loadCluster(SEED_HOSTS).voter_nodes });
    // High-risk gates of the shipped policy (require) were each approved and recorded, with who would be asked.
    const tailscale = r.results.find((c) => c.procedure === 'fix-tailscale')!;
    expect(tailscale.approvals.map((a) => a.risk)).toContain('high');
    expect(tailscale.approvals[0]!.wouldAsk).toMatch(/runbook approve|U[0-9A-Z]+/);
    // Progress was told as it happened: twin, fault, steps.
    expect(lines.some((l) => l.includes('fault injected: p2p-down on'))).toBe(true);
    // The guard read every case's twin file before its worker started: 8 hosts, 3 addresses each.
    expect(lines.filter((l) => l.includes("guard: the twin's 24 addresses are all in 127.0.0.0/8"))).toHaveLength(ALL_SCENARIOS.length);
    expect(lines.some((l) => /\[restart-p2p on .+\] start p2p daemon: done/.test(l))).toBe(true);
    expect(sha256(SEED_HOSTS)).toBe(before);
    expect(violations).toEqual([]);
    // The guard saw the twin's traffic (so it was looking), all of it on the twin's addresses or the server's.
    expect(connects.some((c) => c.startsWith(`127.${SUBNET}.`))).toBe(true);
  }, 1_200_000);

  it('a 20-node file (5 voters, 3 providers): each procedure, the alert path, more than half down', async () => {
    const file = twentyNodeFile();
    const before = sha256(file);
    const wanted = [
      ...ALL_SCENARIOS.filter((s) => s.driver.kind === 'procedure' && s.expect === 'healed'),
      scenario({ kind: 'incident', alertname: 'ClusterConnectivityDegraded' }, 'p2p-down'),
      scenario({ kind: 'incident', alertname: 'ClusterConnectivityDegraded' }, MAJORITY_DOWN),
    ];
    const r = await rehearse({ what: { kind: 'scenarios', scenarios: wanted }, hostsFile: file, policyFile: POLICY, subnet: SUBNET, workflowBundle });
    checkReport(r, file, wanted.length);
    expect(r.twin).toMatchObject({ nodes: 20, coordinator: 'nebius-h200-1', backbone: 'nebius-h200-4' });
    expect(r.results.map((c) => c.procedure)).toEqual(expect.arrayContaining(['restart-p2p', 'fix-tailscale', 'recover-node', 'force-election', 'repair-sync', 'update-hosts']));
    expect(sha256(file)).toBe(before);
    expect(violations).toEqual([]);
  }, 1_200_000);

  it('the guard itself fails a connection off loopback (so a quiet guard means something)', async () => {
    const n = violations.length;
    await expect(
      new Promise((resolve, reject) => {
        const s = net.connect({ host: '192.0.2.1', port: 22 });
        s.once('connect', resolve);
        s.once('error', reject);
      }),
    ).rejects.toThrow('leaves loopback');
    expect(violations.slice(n)).toEqual(['192.0.2.1:22']);
    violations.splice(n);
  });
});
