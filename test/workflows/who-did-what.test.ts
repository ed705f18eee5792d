// Who did what, through a real dev server and simulated cluster: the history reads like the
// runbook (every scheduled activity's summary names a § and the node), and who did what is
// recorded: requestedBy from the CLI's OS user or --by, approvals and rejections with who and
// when in progress, the Web UI details and the result.
import { userInfo } from 'node:os';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { renderProgress } from '../../src/domain/progress.js';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import { approveSignal, progressQuery, rejectSignal } from '../../workflows/messages.js';
import { runCli } from '../helpers/cli.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { subnet } from '../helpers/subnets.js';
import { waitForApproval, waitFor } from '../helpers/wait.js';

const h = useClusterHarness({ nodes: 3, voters: 1, subnet: subnet('workflows/who-did-what'), name: 'who-did-what' });

const workerNode = (): string => h.sim.state().nodes.find((n) => n.role === 'worker')!.name;

/** The summary of every ActivityTaskScheduled event, decoded from its user metadata. */
async function activitySummaries(handle: WorkflowHandle): Promise<Array<{ type: string; summary: string | undefined }>> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => ({
      type: e.activityTaskScheduledEventAttributes!.activityType!.name!,
      summary: e.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary) : undefined,
    }));
}

describe('a history that reads like the runbook; who did what', () => {
  it('approval: who and when in progress, details and result; every activity summary names a § and the node', async () => {
    const node = workerNode();
    h.sim.fault(node, 'tailscale-down');
    const handle = await startProcedure(h.env, h.taskQueue, 'fix-tailscale', { node, extra: { requestedBy: 'cli:alice' } });
    const waiting = await waitForApproval(handle);
    expect(waiting.requestedBy).toBe('cli:alice');
    const before = Date.now();
    await handle.signal(approveSignal, { by: 'dave', comment: 'go ahead' });
    const r = await handle.result();
    expect(r.status).toBe('completed');
    expect(r.requestedBy).toBe('cli:alice');
    expect(r.decisions).toEqual([{ step: 'approve restart tailscale', approved: true, by: 'dave', comment: 'go ahead', at: expect.any(String) }]);
    // Workflow time of the decision: after the signal was sent (clocks of one machine), not before.
    expect(Date.parse(r.decisions![0]!.at)).toBeGreaterThanOrEqual(before - 1_000);
    const p = await handle.query(progressQuery);
    expect(p.decisions).toEqual(r.decisions);
    expect(p.steps.find((s) => s.name === 'approve restart tailscale')?.detail).toBe(`approved by dave at ${r.decisions![0]!.at}: go ahead`);
    const md = renderProgress(p, handle.workflowId);
    expect(md).toContain('requested by cli:alice');
    expect(md).toContain(`approved \`approve restart tailscale\` by dave at ${r.decisions![0]!.at}`);

    const summaries = await activitySummaries(handle);
    expect(summaries.length).toBeGreaterThan(3);
    for (const s of summaries) {
      expect(s.summary, `${s.type} has no summary`).toMatch(/^§\d/);
      expect(s.summary, `${s.type}: ${s.summary}`).toContain(node);
    }
    expect(summaries.map((s) => s.summary)).toContain(`§4.2 restart tailscale on ${node}`);
    expect(summaries.map((s) => s.summary)).toContain(`§3.2 check node on ${node}`);
    const details = await (await handle.describe()).staticDetails();
    expect(details).toContain('requested by cli:alice');
  });

  it('rejection: who and when in progress and result, the run escalates', async () => {
    const node = workerNode();
    h.sim.fault(node, 'tailscale-down');
    const handle = await startProcedure(h.env, h.taskQueue, 'fix-tailscale', { node, extra: { requestedBy: 'cli:alice' } });
    await waitForApproval(handle);
    await handle.signal(rejectSignal, { by: 'erin', comment: 'not now' });
    const r: ProcedureResult = await handle.result();
    expect(r.status).toBe('escalated');
    expect(r.decisions).toEqual([{ step: 'approve restart tailscale', approved: false, by: 'erin', comment: 'not now', at: expect.any(String) }]);
    const p = await handle.query(progressQuery);
    expect(p.decisions).toEqual(r.decisions);
    expect(p.steps.find((s) => s.name === 'approve restart tailscale')?.detail).toBe(`rejected by erin at ${r.decisions![0]!.at}: not now`);
    expect(renderProgress(p, handle.workflowId)).toContain(`**rejected** \`approve restart tailscale\` by erin at ${r.decisions![0]!.at}`);
  });

  it('the CLI records the OS user as requestedBy, or --by when given', async () => {
    const node = workerNode();
    const cliEnv = { TEMPORAL_ADDRESS: h.env.address, RUNBOOK_CONFIG: h.sim.hostsFile };
    const requesters: string[] = [];
    for (const extra of [[], ['--by', 'frank']]) {
      // No worker polls the CLI's queue: the run only has to be started, then it is terminated.
      const out = await runCli(['run', 'restart-p2p', '--node', node, '--dry-run', '--json', ...extra], cliEnv);
      expect(out.code, out.stderr).toBe(0);
      const { workflowId } = JSON.parse(out.stdout) as { workflowId: string };
      const started = h.env.client.workflow.getHandle(workflowId);
      const history = await waitFor('the started event', async () => (await started.fetchHistory()).events?.[0]);
      const input = defaultPayloadConverter.fromPayload<{ requestedBy?: string }>(history.workflowExecutionStartedEventAttributes!.input!.payloads![0]!);
      const desc = await started.describe();
      expect(await desc.staticSummary()).toContain(`requested by ${input.requestedBy}`);
      expect(await desc.staticDetails()).toContain(`requested by ${input.requestedBy}`);
      await started.terminate('test: only the start was checked');
      requesters.push(input.requestedBy ?? '');
    }
    expect(requesters).toEqual([`cli:${userInfo().username}`, 'cli:frank']);
  });
});
