// `runbook list` and `runbook status` against a real dev server, worker and simulator
// (docs/reference/cli.md): each filter, newest first, the header and columns, the --json shape of
// DESIGN §5, bad values; status with decisions, escalation reasons and an incident's children.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ListFlags } from '../../src/cli/list-filters.js';
import { parseListFlags } from '../../src/cli/list-filters.js';
import { listRuns } from '../../src/cli/list-runs.js';
import { startWorkflow } from '../../src/client/start.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { TASK_QUEUE } from '../../src/temporal/settings.js';
import { runCli } from '../helpers/cli.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { subnet } from '../helpers/subnets.js';
import { uniqueId } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait.js';

// The CLI lists what runs on its default queue: this file's own dev server keeps it to itself.
const harness = useClusterHarness({ name: 'list-status', nodes: 5, subnet: subnet('cli/list-status'), voters: 3, taskQueue: TASK_QUEUE });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let cliEnv: NodeJS.ProcessEnv;
/** Started in this order: a diagnose, a restart-p2p, an incident (whose child waits for approval). */
const ids = { diagnose: '', restart: '', incident: '' };
let restartNode = '';
let incidentNode = '';
let childId = '';

interface Listed {
  workflowId: string;
  procedure: string;
  node: string | null;
  status: string;
  startedAt: string;
  closedAt?: string;
  waitingOn?: string;
  parentWorkflowId?: string;
}
const list = async (...args: string[]): Promise<Listed[]> => {
  const r = await runCli(['list', '--json', ...args], cliEnv);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Listed[];
};

beforeAll(async () => {
  ({ env, sim } = harness);
  cliEnv = { TEMPORAL_ADDRESS: env.address, RUNBOOK_CONFIG: sim.hostsFile };
  const workers = sim.state().nodes.filter((n) => n.role === 'worker');
  restartNode = workers[0]!.name;
  incidentNode = workers[1]!.name;

  const diagnose = await startProcedure(env, TASK_QUEUE, 'diagnose');
  ids.diagnose = diagnose.workflowId;
  await diagnose.result();

  sim.fault(restartNode, 'p2p-down');
  const restart = await startProcedure(env, TASK_QUEUE, 'restart-p2p', { node: restartNode });
  ids.restart = restart.workflowId;
  expect(await restart.result()).toMatchObject({ status: 'completed' });

  // An incident routed to fix-tailscale: its child waits for a human (high risk).
  sim.fault(incidentNode, 'tailscale-down');
  ids.incident = uniqueId('incident');
  await startWorkflow(env.client, 'connectivity-incident', {
    taskQueue: TASK_QUEUE,
    workflowId: ids.incident,
    input: {
      alert: { alertname: 'NodeTailscaleDown', fingerprint: 'f1', startsAt: new Date().toISOString(), status: 'firing', labels: { node: incidentNode } },
      procedure: 'fix-tailscale',
      mode: 'remediate',
      target: incidentNode,
      maxRounds: 1,
      approval: { timeoutMs: 10 * 60_000, modes: { low: 'auto', high: 'require' } },
      slotsWorkflowId: `slots-${TASK_QUEUE}`,
    },
  });
  childId = `${ids.incident}--r1-fix-tailscale-${incidentNode}`;
  await waitFor(`${childId} awaiting approval`, async () => (await list('--awaiting-approval')).some((r) => r.workflowId === childId));
});

describe('runbook list', () => {
  it('prints newest first; --json keeps DESIGN §5 fields and adds times, the waiting step and the parent', async () => {
    const rows = await list();
    const starts = rows.map((r) => Date.parse(r.startedAt));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const order = [ids.incident, ids.restart, ids.diagnose].map((id) => rows.findIndex((r) => r.workflowId === id));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const r of rows) {
      // Today's shape (DESIGN §5): these four keys, with these types; any other field is added.
      expect(typeof r.workflowId).toBe('string');
      expect(typeof r.procedure).toBe('string');
      expect(r.node === null || typeof r.node === 'string').toBe(true);
      expect(typeof r.status).toBe('string');
    }
    expect(rows.find((r) => r.workflowId === ids.restart)).toEqual({
      workflowId: ids.restart,
      procedure: 'restart-p2p',
      node: restartNode,
      status: 'completed',
      startedAt: expect.any(String),
      closedAt: expect.any(String),
    });
    expect(rows.find((r) => r.workflowId === childId)).toMatchObject({
      procedure: 'fix-tailscale',
      node: incidentNode,
      status: 'awaiting-approval',
      waitingOn: 'approve restart tailscale',
      parentWorkflowId: ids.incident,
    });
  });

  it('filters by --procedure, --node, --status and --since', async () => {
    // Through the CLI once (the flags reach the query); the rest in-process, through the same
    // parser and reader the command uses, to keep this file's time down.
    expect((await list('--procedure', 'restart-p2p', '--status', 'completed')).map((r) => r.workflowId)).toEqual([ids.restart]);
    const idsOf = async (flags: ListFlags): Promise<string[]> =>
      (await listRuns(env.client, parseListFlags(flags, new Date()))).map((r) => r.workflowId);
    expect(new Set(await idsOf({ node: incidentNode }))).toEqual(new Set([ids.incident, childId]));
    expect(await idsOf({ procedure: 'connectivity-incident' })).toEqual([ids.incident]);
    const completed = await listRuns(env.client, parseListFlags({ status: 'completed' }, new Date()));
    expect(completed.map((r) => r.workflowId)).toEqual(expect.arrayContaining([ids.restart, ids.diagnose]));
    expect(completed.every((r) => r.status === 'completed')).toBe(true);
    expect(await idsOf({ awaitingApproval: true })).toEqual([childId]);
    expect(await idsOf({ status: 'running' })).toEqual([ids.incident]);
    // --since the restart's start: the diagnose started before it.
    const restartStart = (await env.client.workflow.getHandle(ids.restart).describe()).startTime;
    const since = await idsOf({ since: restartStart.toISOString() });
    expect(since).toContain(ids.restart);
    expect(since).not.toContain(ids.diagnose);
    expect(await idsOf({ since: '1h' })).toContain(ids.diagnose);
    // The two newest: the incident's children (the diagnose started after the incident).
    expect(await idsOf({ limit: '2' })).toEqual([childId, `${ids.incident}--diagnose (round 1)`]);
  });

  it('prints a header and aligned columns with age, duration and the waiting step', async () => {
    const r = await runCli(['list'], cliEnv);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...lines] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^STATUS +PROCEDURE +NODE +AGE +DURATION +WAITING ON +WORKFLOW ID$/);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const col of ['PROCEDURE', 'NODE', 'AGE', 'DURATION', 'WAITING ON', 'WORKFLOW ID']) {
      const at = header!.indexOf(col);
      // Every cell starts under its heading, after a gap.
      for (const line of lines) expect(line.slice(at - 2, at + 1), `${col} in "${line}"`).toMatch(/^ {2}\S$/);
    }
    const child = lines.find((l) => l.endsWith(childId))!;
    expect(child).toMatch(new RegExp(`^awaiting-approval +fix-tailscale +${incidentNode} +\\d+[smhd]\\S* +- +approve restart tailscale +`));
    expect(lines.find((l) => l.endsWith(ids.restart))).toMatch(new RegExp(`^completed +restart-p2p +${restartNode} +\\S+ +\\d+[smhd]\\S* +- +`));
  });

  it('rejects a bad --status or --since, naming the flag and what it accepts', async () => {
    const status = await runCli(['list', '--status', 'done'], cliEnv);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/--status: unknown status "done" \(one of: running, awaiting-approval, completed, escalated, failed/);
    const since = await runCli(['list', '--since', 'yesterday'], cliEnv);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since: "yesterday" is neither a duration \(like 30m, 2h/);
  });
});

describe('runbook status', () => {
  it("lists an incident's children with their live states", async () => {
    const r = await runCli(['status', ids.incident], cliEnv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Child procedures:$/m);
    expect(r.stdout).toMatch(/^ {2}completed +diagnose +- +1 +\S+--diagnose \(round 1\) +1 finding\(s\)$/m);
    expect(r.stdout).toMatch(new RegExp(`^ {2}awaiting-approval +fix-tailscale +${incidentNode} +1 +${childId}$`, 'm'));
  });

  it('shows who rejected which step and when, and the escalation reasons at the top', async () => {
    const rejected = await runCli(['reject', childId, '--by', 'bob', '--comment', 'not during the drain'], cliEnv);
    expect(rejected.code, rejected.stderr).toBe(0);
    await env.client.workflow.getHandle(ids.incident).result();

    const child = await runCli(['status', childId], cliEnv);
    expect(child.code, child.stderr).toBe(0);
    const lines = child.stdout.split('\n');
    expect(lines[0]).toMatch(/^ESCALATED \(§6\): /);
    expect(lines[1]).toBe('  - "restart tailscale" rejected by bob');
    expect(child.stdout).toMatch(/^Decisions:\n {2}REJECTED "approve restart tailscale" by bob at \d{4}-\d\d-\d\dT[\d:.]+Z: not during the drain$/m);

    const incident = await runCli(['status', ids.incident], cliEnv);
    expect(incident.stdout.split('\n')[0]).toMatch(/^ESCALATED \(§6\): /);
    expect(incident.stdout).toMatch(new RegExp(`^ {2}- fix-tailscale on ${incidentNode}: "restart tailscale" rejected by bob$`, 'm'));
    expect(incident.stdout).toMatch(new RegExp(`^ {2}escalated +fix-tailscale +${incidentNode} +1 +${childId} `, 'm'));
  });
});
