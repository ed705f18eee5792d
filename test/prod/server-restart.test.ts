// The Temporal server itself goes away (docs/explanation/durability.md): a dev server with a SQLite
// file is stopped in the middle of a recovery that waits on a human's approval, and in the middle
// of one that runs a long activity (the §4.4 sync watch), then started again on the same file. Both
// recoveries finish as they would have; an approval sent while no worker runs still counts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../../src/dev/dev-server.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import type { Progress } from '../../src/domain/progress.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { progressQuery } from '../../workflows/messages.js';
import { runCli } from '../helpers/cli.js';
import { ADMIN_KEY } from '../helpers/cluster.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'runbook-restart-'));
let ports: { port: number; uiPort: number };
let server: DevServer | undefined;
let sim: SimulatorHandle;
const workers: WorkerProcess[] = [];

const env = (): Record<string, string> => ({
  TEMPORAL_ADDRESS: `127.0.0.1:${ports.port}`,
  RUNBOOK_CONFIG: sim.hostsFile,
  RUNBOOK_ADMIN_KEY: ADMIN_KEY,
});

async function startServer(): Promise<void> {
  server = await startDevServer({ dataDir, ...ports });
}

async function stopServer(): Promise<void> {
  await server?.stop();
  server = undefined;
}

async function startWorker(): Promise<WorkerProcess> {
  const w = startWorkerProcess([], env());
  workers.push(w);
  await w.ready();
  return w;
}

/** A client per phase: its connection does not outlive the server it was made for. */
async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.port}` });
  try {
    return await fn(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

const progressOf = (h: WorkflowHandle): Promise<Progress> => h.query(progressQuery);

beforeAll(async () => {
  ports = { port: await freePort(), uiPort: await freePort() };
  // A full sync takes 20 s here, so the §4.4 watch is still running while the server is down.
  [sim] = await Promise.all([
    startSimulator({ nodes: 5, subnet: 88, voters: 3, timeScale: 1, syncMs: 20_000, adminKey: ADMIN_KEY }),
    startServer(),
  ]);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await stopServer();
  await sim?.stop();
});

describe('the Temporal server restarts in the middle of a recovery', () => {
  it('waiting on an approval: server and worker down, the approval sent before the worker is back, counts', async () => {
    const worker = await startWorker();
    const node = sim.state().nodes.find((n) => n.role === 'worker')!.name;
    sim.fault(node, 'tailscale-down');
    const started = await runCli(['run', 'fix-tailscale', '--node', node, '--json'], env());
    expect(started.code, started.stderr).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    const step = await withClient((c) =>
      waitFor('the approval gate', async () => (await progressOf(c.workflow.getHandle(workflowId))).pendingApproval?.step),
    );

    await worker.stop();
    await stopServer();
    await startServer();
    // No worker runs to validate an update: the CLI records the approval of the named step as a
    // signal, which waits in history for the worker.
    const approved = await runCli(['approve', workflowId, '--step', step, '--by', 'oncall', '--comment', 'after the restart'], env());
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('recorded as a signal');
    await startWorker();

    await withClient(async (c) => {
      const h = c.workflow.getHandle(workflowId);
      const result = (await h.result()) as ProcedureResult;
      expect(result.status, JSON.stringify(result)).toBe('completed');
      expect((await progressOf(h)).decisions).toEqual([expect.objectContaining({ approved: true, by: 'oncall' })]);
    });
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
  });

  it('running the sync watch: the activity outlives the server, and the run completes once it is back', async () => {
    const started = await runCli(['run', 'repair-sync', '--json'], env());
    expect(started.code, started.stderr).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    await withClient((c) =>
      waitFor('the sync watch to run', async () => {
        const step = (await progressOf(c.workflow.getHandle(workflowId))).steps.find((s) => s.name === 'watch progress');
        return step?.state === 'running';
      }),
    );

    await stopServer();
    // The worker keeps watching while the server is gone: wait for the sync to move on.
    const before = sim.state().sync.progress;
    await waitFor('the sync to progress while the server is down', () => sim.state().sync.progress > before + 0.2, { timeoutMs: 60_000 });
    await startServer();

    await withClient(async (c) => {
      const result = (await c.workflow.getHandle(workflowId).result()) as ProcedureResult;
      expect(result.status, JSON.stringify(result)).toBe('completed');
      expect(result.summary).toContain('complete');
    });
    // Exactly one trigger reached the coordinator: the restart did not repeat the mutation.
    const triggers = sim.state().mutations.filter((m) => m.command.includes('/admin/sync/trigger'));
    expect(triggers, JSON.stringify(sim.state().mutations)).toHaveLength(1);
  });
});
