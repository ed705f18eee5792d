// `runbook dev --alerting` (docs/reference/alerting-rules.md): with Debian's prometheus and
// prometheus-alertmanager installed, the stack also runs both against the simulated cluster and the
// given webhook URL, a fault reaches the webhook as an Alertmanager post with the bearer token, and
// Ctrl-C leaves no process behind; without them, a clear message and exit 2 before anything starts.
// Subnet 122.
// The stack runs in its own process group: whatever fails, the `finally` ends all of it.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { alertingBinariesInstalled } from '../helpers/alerting-stack.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { spawnInGroup, tail } from '../helpers/process-group.js';
import { step } from '../helpers/steps.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'runbook-dev-alerting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const inCi = Boolean(process.env['CI']);

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=']).toString();
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('runbook dev --alerting', () => {
  it('without the Debian binaries: names the missing package and exits 2 before starting anything', async () => {
    const data = join(dir, 'missing-data');
    // node is run by absolute path; an empty PATH hides prometheus and alertmanager.
    const r = await runCli(['dev', '--alerting', '--sim', '2', '--data-dir', data, '--sim-dir', join(dir, 'missing-sim'), '--subnet', '22'], {
      PATH: join(dir, 'empty-path'),
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--alerting needs Debian's prometheus and prometheus-alertmanager: prometheus not found on PATH: install the Debian package \(apt-get install prometheus\)/);
    expect(existsSync(data)).toBe(false);
  });

  it('refuses a bad --webhook-url with exit 2', async () => {
    const r = await runCli(['dev', '--alerting', '--webhook-url', 'ftp://x', '--data-dir', join(dir, 'bad-data')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(alertingBinariesInstalled ? /--webhook-url: "ftp:\/\/x" must be http:\/\/ or https:\/\// : /--alerting needs/);
  });

  it.skipIf(!alertingBinariesInstalled && !inCi)('starts Prometheus and Alertmanager against the simulated cluster; a fault reaches the webhook; Ctrl-C stops everything', async () => {
    if (!alertingBinariesInstalled) throw new Error('prometheus / prometheus-alertmanager missing: CI must install both Debian packages');
    const token = 'dev-alerting-token-5b1e';
    const posts: Array<{ authorization: string | undefined; body: { alerts: Array<{ status: string; labels: Record<string, string> }> } }> = [];
    const receiver = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (raw += d));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/alerts/alertmanager') posts.push({ authorization: req.headers.authorization, body: JSON.parse(raw) });
        res.writeHead(req.method === 'POST' ? 202 : 404);
        res.end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const [PORT, UI_PORT] = [await freePort(), await freePort()];
    const simDir = join(dir, 'sim');
    const dev = spawnInGroup(
      process.execPath,
      [join(PROJECT_ROOT, 'bin/runbook.js'), 'dev', '--alerting', '--webhook-url', hook, '--alerting-time-scale', '0.02', '--sim', '3', '--webhook-port', '0',
        '--port', String(PORT), '--ui-port', String(UI_PORT), '--data-dir', join(dir, 'data'), '--sim-dir', simDir, '--subnet', '19'],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUNBOOK_WEBHOOK_TOKEN: token } },
    );
    const { child } = dev;
    const out = dev.output;
    const output = { label: '`runbook dev --alerting` output', text: out };
    const context = (): string => `--- ${output.label}:\n${tail(out())}`;
    try {
      await waitFor('`runbook dev --alerting` to print "Ctrl-C stops the stack"', () => out().includes('Ctrl-C stops the stack') || child.exitCode !== null, {
        timeoutMs: 120_000,
        context,
      });
      const prometheus = await step('the stack is up, posting to the webhook, the token not printed', () => {
        expect(child.exitCode).toBeNull();
        expect(out()).toContain(`posting to ${hook}/alerts/alertmanager`);
        expect(out()).toContain('webhook token: from $RUNBOOK_WEBHOOK_TOKEN');
        expect(out()).not.toContain(token);
        return /Prometheus: (http:\/\/127\.0\.0\.1:\d+)/.exec(out())![1]!;
      }, output);
      await waitFor('Prometheus to scrape the 3 simulated nodes', async () => {
        const r = (await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent('up{job="ringrift-cluster"} == 1')}`)).json()) as { data: { result: unknown[] } };
        return r.data.result.length === 3;
      }, { timeoutMs: 30_000, intervalMs: 250, context });

      const hosts = yaml.load(readFileSync(join(simDir, 'distributed_hosts.yaml'), 'utf8')) as { hosts: Array<{ name: string }> };
      const victim = hosts.hosts[2]!.name;
      await step(`\`runbook sim fault ${victim} p2p-down\` exits 0`, async () => {
        const f = await runCli(['sim', 'fault', victim, 'p2p-down', '--dir', simDir]);
        expect(f.code, f.stderr).toBe(0);
      }, output);
      const post = await waitFor(`ClusterConnectivityDegraded for ${victim} at the webhook`, () =>
        posts.find((p) => p.body.alerts.some((a) => a.status === 'firing' && a.labels['alertname'] === 'ClusterConnectivityDegraded' && a.labels['node'] === victim)),
      { timeoutMs: 60_000, context });
      await step('the post carries the bearer token', () => expect(post.authorization).toBe(`Bearer ${token}`), output);

      const procs = descendants(child.pid!);
      await step('Ctrl-C (SIGINT to `runbook dev`) exits 0', async () => {
        child.kill('SIGINT');
        expect(await dev.exited).toBe(0);
      }, output);
      await step('after Ctrl-C no child of `runbook dev` is left and Prometheus is gone', async () => {
        await waitFor('every child of `runbook dev` to exit', () => !procs.some(alive), { timeoutMs: 15_000 }).catch(() => undefined);
        const left = procs.filter(alive).map((p) => execFileSync('ps', ['-o', 'args=', '-p', String(p)]).toString().trim());
        expect(left).toEqual([]);
        await expect(fetch(`${prometheus}/-/ready`)).rejects.toThrow();
      }, output);
    } finally {
      // Whatever failed: SIGINT to the whole group (dev server, Prometheus, Alertmanager, …), then SIGKILL.
      await dev.stop();
      receiver.closeAllConnections();
      receiver.close();
    }
  }, 240_000);
});
