// Approvals answered from Slack, end to end: a real dev server, the simulator (subnet 78), a
// worker whose Slack target is a local receiver standing in for Slack's incoming webhook and
// response_url, and the webhook server taking signed block_actions clicks. A high-risk step
// waits, Slack hears of it with the evidence, a listed approver's click approves it, the run
// completes and the message says who; unlisted users, stale buttons and a second click by the
// same person change nothing; two approvers when min_approvers is 2; a timeout is announced.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalNotifier } from '../../activities/notify/approval.js';
import { loadCluster } from '../../src/config/loader.js';
import type { NotificationTarget, RunbookPolicy } from '../../src/domain/policy.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.js';
import type { ClickOutcome } from '../../src/webhook/slack-interactions.js';
import { approveSignal, decideUpdate, progressQuery, rejectSignal } from '../../workflows/messages.js';
import { runCli } from '../helpers/cli.js';
import { testPolicy } from '../helpers/cluster.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import type { Received } from '../helpers/receiver.js';
import { clickPayload, signedRequest, type SlackUser } from '../helpers/slack-clicks.js';
import { subnet } from '../helpers/subnets.js';
import { slackBlockKitMessage, slackResponseMessage } from '../helpers/vendor-schemas.js';
import { expectNoSecrets } from '../helpers/secrets.js';
import { registerSecrets } from '../helpers/test-logs.js';
import { waitFor, waitForApproval } from '../helpers/wait.js';

const SUBNET = subnet('workflows/slack-approvals');
const SECRET = 'slack-signing-secret-for-tests-5f1b2c';
const ALICE: SlackUser = { id: 'U0ALICE01', name: 'alice' };
const BOB: SlackUser = { id: 'U0BOB0001', name: 'bob' };
const MALLORY: SlackUser = { id: 'U0MALLORY', name: 'mallory' };
const INCOMING = '/services/T0TEST01/B0TEST01/incoming-webhook-secret';
const SECRETS = { 'slack signing secret': SECRET, 'slack webhook URL': INCOMING };
/** Every run of this file, for the history scan at the end. */
const runs: string[] = [];
const fast = { attempts: 4, backoffMs: 100, maxBackoffMs: 400, timeoutMs: 2000 };

const policy: RunbookPolicy = { ...testPolicy(), approvers: { low: [ALICE.id], high: [ALICE.id, BOB.id] } };
const harness = useClusterHarness({
  name: 'slack-approvals',
  nodes: 6,
  subnet: SUBNET,
  voters: 3,
  // Above the simulator's node addresses (127.78.0.x) in the file's own /16.
  receiver: { host: `127.${SUBNET}.200.1`, path: INCOMING },
  worker: ({ receiver }) => {
    const targets: NotificationTarget[] = [{ kind: 'slack', name: 'ops-channel', urlEnv: 'TEST_SLACK_URL', events: ['approval'] }];
    return {
      policy: { ...policy, notifications: targets },
      wrap: (real) => ({
        ...real,
        notifyApproval: createApprovalNotifier({ targets, env: { TEST_SLACK_URL: receiver.url }, uiUrl: 'http://ui.test', sendPolicy: fast }),
      }),
    };
  },
});

let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let hook: WebhookServer;
const clicks: Array<Promise<ClickOutcome>> = [];
beforeAll(async () => {
  ({ env, sim } = harness);
  registerSecrets(SECRETS); // the shared log scan looks for them too
  const cluster = loadCluster(sim.hostsFile);
  hook = await startWebhookServer({
    client: env.client,
    taskQueue: harness.taskQueue,
    cluster: () => cluster,
    policy,
    token: 'webhook-bearer-token-0123456789',
    uiUrl: 'http://ui.test',
    slackSigningSecret: SECRET,
    slackOnClick: (p) => clicks.push(p),
  });
});
afterAll(async () => {
  await hook?.close();
});

const workerNode = (): string => sim.state().nodes.find((n) => n.role === 'worker')!.name;
const responseUrl = (): string => harness.receiver.url.replace(INCOMING, '/actions/T0TEST01/1/response');
type Message = { text: string; blocks: unknown[] };

/** The Slack messages posted to the incoming webhook, and the answers posted to response_url. */
const posted = (): Received[] => harness.receiver.received.filter((r) => r.path === INCOMING);
const answers = (): Received[] => harness.receiver.received.filter((r) => r.path !== INCOMING);

const messageOf = async (workflowId: string, header: RegExp): Promise<Message> => {
  const r = await waitFor(`a Slack message for ${workflowId} matching ${header}`, () =>
    posted().find((x) => JSON.stringify(x.json).includes(workflowId) && header.test((x.json as Message).text)),
  );
  if (!runs.includes(workflowId)) runs.push(workflowId);
  return slackBlockKitMessage.parse(r.json) as Message;
};

/** Clicks a button as Slack would; resolves with how the webhook handled it and what it answered. */
async function click(message: Message, which: 'approve' | 'reject', user: SlackUser): Promise<{ outcome: ClickOutcome; answer: ReturnType<typeof slackResponseMessage.parse> }> {
  const before = answers().length;
  const req = signedRequest(SECRET, clickPayload(message, which, user, responseUrl()));
  const res = await fetch(`${hook.url}/slack/interactions`, { method: 'POST', body: req.body, headers: req.headers });
  expect(res.status).toBe(200);
  const outcome = await clicks[clicks.length - 1]!;
  const answer = await waitFor('the answer on response_url', () => answers()[before]);
  return { outcome, answer: slackResponseMessage.parse(answer.json) };
}

describe('approvals from Slack', () => {
  it('a waiting step reaches Slack with the evidence; a listed approver’s click approves it; the run completes and Slack says who', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const h = await startProcedure(env, harness.taskQueue, 'fix-tailscale', { node, extra: { requestedBy: 'alertmanager:NodeEvicted/fp1' } });
    await waitForApproval(h, 'approve restart tailscale');
    const asked = await messageOf(h.workflowId, /^Approval needed: restart tailscale/);
    const text = JSON.stringify(asked.blocks);
    expect(text).toContain('sudo tailscale down');
    expect(text).toContain('What the run found');
    expect(text).toContain('check node:');
    expect(text).toContain('an alert');
    // A decision bound to another occurrence of the gate is refused by the workflow itself.
    await expect(h.executeUpdate(decideUpdate, { args: [{ approve: true, by: 'bob', step: 'approve restart tailscale', occurrence: 2 }] })).rejects.toThrow(
      WorkflowUpdateFailedError,
    );

    const { outcome, answer } = await click(asked, 'approve', ALICE);
    expect(outcome).toBe('decided');
    expect(answer.replace_original).toBe(true);
    expect(JSON.stringify(answer.blocks)).toContain('Approved* by <@U0ALICE01>');
    const r = await h.result();
    expect(r.status).toBe('completed');
    expect(r.decisions).toEqual([expect.objectContaining({ step: 'approve restart tailscale', approved: true, by: 'slack:U0ALICE01/alice' })]);
    const decided = await messageOf(h.workflowId, /^Approved: restart tailscale/);
    expect(JSON.stringify(decided.blocks)).toContain('<@U0ALICE01>');
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual([]);
  });

  it('an unlisted user decides nothing; a click on a step already decided decides nothing', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const h = await startProcedure(env, harness.taskQueue, 'fix-tailscale', { node });
    await waitForApproval(h, 'approve restart tailscale');
    const asked = await messageOf(h.workflowId, /^Approval needed/);

    const unlisted = await click(asked, 'approve', MALLORY);
    expect(unlisted.outcome).toBe('not-approver');
    expect(unlisted.answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(unlisted.answer.text).toMatch(/not an approver for high-risk steps/);
    const still = await h.query(progressQuery);
    expect(still.status).toBe('awaiting-approval');
    expect(still.decisions).toEqual([]);

    expect((await click(asked, 'reject', ALICE)).outcome).toBe('decided');
    expect((await h.result()).status).toBe('escalated');
    const late = await click(asked, 'approve', BOB);
    expect(late.outcome).toBe('not-waiting');
    expect(late.answer.text).toMatch(/no longer waiting/);
    expect((await h.query(progressQuery)).decisions).toEqual([expect.objectContaining({ approved: false, by: 'slack:U0ALICE01/alice' })]);
    expect(sim.state().nodes.find((n) => n.name === node)!.faults).toEqual(['tailscale-down']);
  });

  it('min_approvers 2: one approval waits ("1 of 2 approvals (alice)"), the same person again does not count, a second person proceeds', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const h = await startProcedure(env, harness.taskQueue, 'fix-tailscale', {
      node,
      extra: { approval: { timeoutMs: 10 * 60_000, modes: { low: 'auto', high: 'require' }, minApprovers: { high: 2 } } },
    });
    await waitForApproval(h, 'approve restart tailscale');
    const asked = await messageOf(h.workflowId, /^Approval needed/);
    expect(JSON.stringify(asked.blocks)).toContain('0 of 2 approvals');

    const first = await click(asked, 'approve', ALICE);
    expect(first.outcome).toBe('recorded');
    expect(first.answer.text).toContain('1 of 2 approvals (alice)');
    const one = await h.query(progressQuery);
    expect(one.status).toBe('awaiting-approval');
    expect(one.pendingApproval?.approvals).toEqual(['slack:U0ALICE01/alice']);
    expect(one.steps.find((s) => s.name === 'approve restart tailscale')?.detail).toContain('1 of 2 approvals (alice)');

    const again = await click(asked, 'approve', ALICE);
    expect(again.outcome).toBe('refused');
    expect(again.answer.text).toMatch(/already approved/);
    expect((await h.query(progressQuery)).status).toBe('awaiting-approval');

    expect((await click(asked, 'approve', BOB)).outcome).toBe('decided');
    const r = await h.result();
    expect(r.status).toBe('completed');
    expect(r.decisions?.map((d) => [d.by, d.approved])).toEqual([
      ['slack:U0ALICE01/alice', true],
      ['slack:U0BOB0001/bob', true],
    ]);
  });

  it('min_approvers 2 across the CLI and Slack: `runbook approve` and `runbook status` say "1 of 2 approvals (alice)", the CLI twice does not count, a Slack approver proceeds', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const h = await startProcedure(env, harness.taskQueue, 'fix-tailscale', {
      node,
      extra: { approval: { timeoutMs: 10 * 60_000, modes: { low: 'auto', high: 'require' }, minApprovers: { high: 2 } } },
    });
    await waitForApproval(h, 'approve restart tailscale');
    const asked = await messageOf(h.workflowId, /^Approval needed/);
    const cliEnv = { TEMPORAL_ADDRESS: env.address, RUNBOOK_CONFIG: sim.hostsFile };
    const step = ['--step', 'approve restart tailscale'];
    const first = await runCli(['approve', h.workflowId, ...step, '--by', 'alice'], cliEnv);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('1 of 2 approvals (alice); another person must approve');
    const status = await runCli(['status', h.workflowId], cliEnv);
    expect(status.stdout).toContain('1 of 2 approvals (alice)');
    const again = await runCli(['approve', h.workflowId, ...step, '--by', 'Alice'], cliEnv);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already approved/);
    // A signal cannot be refused: the same person's is ignored (recorded in history before the
    // click below, so had it counted, the gate would be decided and the click find nothing waiting).
    await h.signal(approveSignal, { by: 'ALICE ', step: 'approve restart tailscale' });
    expect((await click(asked, 'approve', BOB)).outcome).toBe('decided');
    const r = await h.result();
    expect(r.status).toBe('completed');
    expect(r.decisions?.map((d) => d.by)).toEqual(['alice', 'slack:U0BOB0001/bob']);
  });

  it('a gate nobody answers sends approval-timed-out and escalates as before', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const h = await startProcedure(env, harness.taskQueue, 'fix-tailscale', { node, approvalTimeoutMs: 3000 });
    const r = await h.result();
    expect(r.status).toBe('escalated');
    expect(r.escalation?.reasons[0]).toMatch(/approval for "restart tailscale" timed out/);
    const out = await messageOf(h.workflowId, /^Approval timed out/);
    expect(JSON.stringify(out.blocks)).toContain('Timed out');
    // The request came first, the outcome after it, one of each.
    const mine = posted().filter((x) => JSON.stringify(x.json).includes(h.workflowId)).map((x) => (x.json as Message).text.split(':')[0]);
    expect(mine).toEqual(['Approval needed', 'Approval timed out']);
  });

  it('no history holds the signing secret or the Slack webhook URL', async () => {
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const id of runs) expectNoSecrets(await env.client.workflow.getHandle(id).fetchHistory(), SECRETS, id);
  });

  it('Web UI signals still decide beside Slack (rejected by the CLI, told to Slack)', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const h = await startProcedure(env, harness.taskQueue, 'fix-tailscale', { node });
    await waitForApproval(h);
    await h.signal(rejectSignal, { by: 'carol', comment: 'provider maintenance' });
    expect((await h.result()).status).toBe('escalated');
    const told = await messageOf(h.workflowId, /^Rejected: restart tailscale/);
    expect(JSON.stringify(told.blocks)).toContain('carol');
  });
});
