// `runbook worker` as production runs it, against a dev server with a SQLite file: the SDK's
// Prometheus metrics (promtool accepts them), JSON logs with the SDK's lines in them, and two
// workers on one task queue where SIGKILL of the one running a procedure leaves the other to finish it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../src/dev/dev-server.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import type { Progress } from '../../src/domain/progress.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { progressQuery } from '../../workflows/messages.js';
import { runCli } from '../helpers/cli.js';
import { ADMIN_KEY, startCluster } from '../helpers/cluster.js';
import { freePort } from '../helpers/free-port.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { subnet } from '../helpers/subnets.js';

let server: DevServer;
let sim: SimulatorHandle;
let client: Client;
const workers: WorkerProcess[] = [];
const workerEnv = (): Record<string, string> => ({ TEMPORAL_ADDRESS: server.address, RUNBOOK_CONFIG: sim.hostsFile, RUNBOOK_ADMIN_KEY: ADMIN_KEY });

function start(args: string[] = []): WorkerProcess {
  const w = startWorkerProcess(args, workerEnv());
  workers.push(w);
  return w;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runbook-prod-'));
  [server, sim] = await Promise.all([
    (async () => startDevServer({ dataDir, port: await freePort(), uiPort: await freePort() }))(),
    startCluster({ nodes: 5, subnet: subnet('prod/worker-process'), voters: 3 }),
  ]);
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await client?.connection.close();
  await sim?.stop();
  await server?.stop();
});

describe('runbook worker in production', () => {
  it('serves the SDK metrics that promtool accepts, and logs JSON lines with the SDK\'s own lines', async () => {
    const port = await freePort();
    const w = start(['--metrics', `127.0.0.1:${port}`, '--log-format', 'json']);
    await w.ready();
    const body = await until('worker metrics', async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return text.includes('temporal_num_pollers') ? text : undefined;
    });
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    if (check.error && !process.env['CI']) {
      console.warn('promtool not found (Debian package prometheus): the metrics format is not checked; in CI this fails');
    } else {
      expect(check.status, `${check.error?.message ?? ''}${check.stdout}${check.stderr}`).toBe(0);
    }

    const lines = w.output().trim().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as { level: string; message: string; sdkComponent?: string });
    expect(parsed).toContainEqual(expect.objectContaining({ level: 'info', message: 'worker ready' }));
    // The SDK's logger goes through ours: its worker-state lines arrive as JSON too.
    await until('an SDK log line', async () => (w.output().includes('"sdkComponent":"worker"') ? true : undefined));
    expect(w.output()).not.toContain(ADMIN_KEY);
    await w.stop();
    expect(w.output().trim().split('\n').every((l) => l.startsWith('{'))).toBe(true);
  });

  it('two workers on one task queue: SIGKILL of the one running a procedure, the other finishes it', async () => {
    const a = start();
    const b = start();
    await Promise.all([a.ready(), b.ready()]);
    const node = sim.state().nodes.find((n) => n.role === 'worker')!.name;
    sim.fault(node, 'tailscale-down');
    const started = await runCli(['run', 'fix-tailscale', '--node', node, '--json'], workerEnv());
    expect(started.code, started.stderr).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    const handle = client.workflow.getHandle(workflowId);
    await until('the approval gate', async () => ((await handle.query(progressQuery)).status === 'awaiting-approval' ? true : undefined));

    // The worker that completed the last workflow task holds the run in its cache: kill that one.
    const identities = async (): Promise<string[]> =>
      ((await handle.fetchHistory()).events ?? []).flatMap((e) => (e.workflowTaskCompletedEventAttributes?.identity ? [e.workflowTaskCompletedEventAttributes.identity] : []));
    const last = (await identities()).at(-1)!;
    const [victim, survivor] = last.startsWith(`${a.child.pid}@`) ? [a, b] : [b, a];
    expect(last.startsWith(`${victim.child.pid}@`)).toBe(true);
    await victim.stop('SIGKILL');
    const seenBefore = (await identities()).length;

    const approved = await runCli(['approve', workflowId, '--by', 'oncall', '--comment', 'worker died'], workerEnv());
    expect(approved.code, approved.stderr).toBe(0);
    const result = (await handle.result()) as ProcedureResult;
    expect(result.status, JSON.stringify(result)).toBe('completed');
    const after = (await identities()).slice(seenBefore);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((id) => id.startsWith(`${survivor.child.pid}@`))).toBe(true);
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
    const progress: Progress = await handle.query(progressQuery);
    expect(progress.decisions).toEqual([expect.objectContaining({ approved: true, by: 'oncall' })]);
  });
});
