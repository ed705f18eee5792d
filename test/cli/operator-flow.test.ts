// The operator's CLI end to end against a real dev server, worker and simulator: diagnose,
// run, list, status, approve, exit codes, and retry of a failed recovery.
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnoseReport } from '../../src/domain/report.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { TASK_QUEUE } from '../../src/temporal/settings.js';
import { runCli } from '../helpers/cli.js';
import { createTestWorker } from '../helpers/cluster.js';
import { useClusterHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';
import { subnet } from '../helpers/subnets.js';

// The CLI starts procedures on its default queue, so the file's workers take that queue; no
// shared worker, because the retry tests swap in workers with failing activities.
const harness = useClusterHarness({ name: 'operator-flow', nodes: 6, subnet: subnet('cli/operator-flow'), voters: 3, taskQueue: TASK_QUEUE, worker: false });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
let cliEnv: NodeJS.ProcessEnv;

async function startWorker(w: Promise<Worker>): Promise<void> {
  worker = await w;
  running = worker.run();
}
async function stopWorker(): Promise<void> {
  worker?.shutdown();
  await running;
  worker = undefined;
}

beforeAll(async () => {
  ({ env, sim } = harness);
  cliEnv = { TEMPORAL_ADDRESS: env.address, RUNBOOK_CONFIG: sim.hostsFile, TEMPORAL_UI_URL: 'http://127.0.0.1:8233' };
  await startWorker(createTestWorker(env, sim, TASK_QUEUE));
});
afterAll(async () => {
  await stopWorker();
});

const workerNode = (i = 0): string => sim.state().nodes.filter((n) => n.role === 'worker')[i]!.name;

describe('operator CLI', () => {
  it('`runbook diagnose --json` prints the DESIGN §6 report; readable output names the finding', async () => {
    const node = workerNode();
    sim.fault(node, 'p2p-down');
    const json = await runCli(['diagnose', '--json'], cliEnv);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as DiagnoseReport;
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['cluster', 'nodes', 'findings', 'escalate', 'recommended']));
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'p2p-down', node })]);
    expect(report.recommended).toEqual([expect.objectContaining({ procedure: 'restart-p2p', node })]);
    const text = await runCli(['diagnose'], cliEnv);
    expect(text.stdout).toMatch(new RegExp(`p2p-down on ${node}`));
    expect(text.stdout).toMatch(new RegExp(`runbook run restart-p2p --node ${node}`));
  });

  it('run → list --awaiting-approval → status → approve → completed', async () => {
    const node = workerNode(1);
    sim.fault(node, 'tailscale-down');
    const started = await runCli(['run', 'fix-tailscale', '--node', node, '--json'], cliEnv);
    expect(started.code, started.stderr).toBe(0);
    const { workflowId, url, status } = JSON.parse(started.stdout) as { workflowId: string; url: string; status: string };
    expect(status).toBe('running');
    expect(url).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${workflowId}/${JSON.parse(started.stdout).runId}/history`);

    type Listed = Array<{ workflowId: string; procedure: string; node: string; status: string }>;
    const listed = await waitFor(`${workflowId} in list --awaiting-approval`, async () => {
      const rows = JSON.parse((await runCli(['list', '--awaiting-approval', '--json'], cliEnv)).stdout) as Listed;
      return rows.some((r) => r.workflowId === workflowId) && rows;
    });
    // DESIGN §5's four fields; `list --json` may add more (times, the waiting step).
    expect(listed).toContainEqual(expect.objectContaining({ workflowId, procedure: 'fix-tailscale', node, status: 'awaiting-approval' }));

    const st = await runCli(['status', workflowId, '--json'], cliEnv);
    const progress = JSON.parse(st.stdout);
    expect(progress).toMatchObject({ procedure: 'fix-tailscale', status: 'awaiting-approval', pendingApproval: { step: 'approve restart tailscale' } });

    const wrong = await runCli(['approve', workflowId, '--step', 'approve nothing', '--by', 'alice'], cliEnv);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not waiting for approval/);
    const ok = await runCli(['approve', workflowId, '--by', 'alice', '--comment', 'ticket OPS-1'], cliEnv);
    expect(ok.code, ok.stderr).toBe(0);
    const result = await env.client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ status: 'completed' });
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
  });

  it('`run --wait` exits 1 when the procedure escalates (host-down); `retry` refuses the escalated run', async () => {
    const node = workerNode(2);
    sim.fault(node, 'host-down');
    const r = await runCli(['run', 'restart-p2p', '--node', node, '--wait', '--json'], cliEnv);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { workflowId: string };
    expect(out).toMatchObject({ status: 'escalated', result: { status: 'escalated' } });
    // An escalation ended on purpose (a human must act): retrying it is a usage error.
    const retried = await runCli(['retry', out.workflowId], cliEnv);
    expect(retried.code).toBe(2);
    expect(retried.stderr).toMatch(/is completed; only a failed run can be retried/);
  });

  it('`runbook retry` re-runs a failed recovery from the failed step once the cause is fixed', async () => {
    // repair-sync fails in the middle: sync status and the reachability check succeed, then
    // the admin API refuses the trigger (as with a key rotated under the worker).
    // No stalled sync: the retried run must finish on its own, without the high-risk resync gate.
    await stopWorker();
    await startWorker(
      createTestWorker(env, sim, TASK_QUEUE, undefined, (real) => ({
        ...real,
        triggerSync: () => Promise.reject(ApplicationFailure.nonRetryable('admin API refused the key (401)', 'AdminAuthError')),
      })),
    );
    const failed = await runCli(['run', 'repair-sync', '--wait', '--json'], cliEnv);
    expect(failed.code).toBe(1);
    const { workflowId, error } = JSON.parse(failed.stdout) as { workflowId: string; error: string };
    expect(error).toMatch(/admin API refused the key \(401\)/);

    // The fixed worker counts what it runs: the steps before the failed one must not run again.
    await stopWorker();
    const calls: string[] = [];
    await startWorker(
      createTestWorker(env, sim, TASK_QUEUE, undefined, (real) =>
        Object.fromEntries(
          Object.entries(real).map(([name, fn]) => [name, (...args: unknown[]) => (calls.push(name), (fn as (...a: unknown[]) => unknown)(...args))]),
        ) as typeof real,
      ),
    );
    const retried = await runCli(['retry', workflowId], cliEnv);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/^reset \S+ to before triggerSync: new run [0-9a-f-]{36}$/m);
    const result = await env.client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ status: 'completed' });
    expect(calls[0]).toBe('triggerSync');
    expect(calls).not.toContain('syncStatus');
    expect(calls).not.toContain('reachability');
  });
});
