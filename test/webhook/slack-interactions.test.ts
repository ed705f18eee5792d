// POST /slack/interactions in process (hono's app.request): the signature decides whether
// anything is decided at all; then the clicked gate, the approver list and the workflow's own
// answer. The gates here are a stand-in recording what would reach Temporal; the real ones run in
// test/workflows/slack-approvals.test.ts.
import { describe, expect, it } from 'vitest';
import { slackApprovalMessage } from '../../activities/notify/approval-payloads.js';
import type { ApprovalEvent } from '../../src/domain/approval-event.js';
import type { PendingApproval } from '../../src/domain/progress.js';
import type { ApprovalGates, DecideOutcome } from '../../src/webhook/approval-gates.js';
import { type ClickOutcome, slackInteractions } from '../../src/webhook/slack-interactions.js';
import { verifySlackSignature } from '../../src/webhook/slack-signature.js';
import type { DecideInput } from '../../workflows/messages.js';
import { clickPayload, signedRequest } from '../helpers/slack-clicks.js';
import { slackBlockKitMessage, slackResponseMessage } from '../helpers/vendor-schemas.js';

const SECRET = 'test-signing-secret-8f14e45fceea167a';
const ALICE = { id: 'U0ALICE01', name: 'alice' };
const MALLORY = { id: 'U0MALLORY', name: 'mallory' };

const event: ApprovalEvent = {
  event: 'approval-requested',
  dedupKey: 'fix-tailscale-n1-x:run-1:gate-1',
  workflowId: 'fix-tailscale-n1-x',
  runId: 'run-1',
  occurrence: 1,
  procedure: 'fix-tailscale',
  node: 'n1',
  step: 'approve restart tailscale',
  risk: 'high',
  action: 'sudo tailscale down && sudo tailscale up on n1',
  evidence: ['check node: primary silent, fallback answers'],
  requestedBy: 'alertmanager:NodeEvicted/abc',
  origin: 'alert',
  requestedAt: '2026-12-07T10:00:00.000Z',
  deadline: '2026-12-07T10:15:00.000Z',
  minApprovers: 1,
  approvals: [],
};
const message = slackApprovalMessage(event, { now: new Date(), link: 'http://ui.test/namespaces/default/workflows/x' }) as { text: string; blocks: unknown[] };
const waiting: PendingApproval = {
  step: event.step,
  risk: 'high',
  requestedAt: event.requestedAt,
  deadline: event.deadline,
  detail: event.action,
  occurrence: 1,
};

function setup(o: { pending?: PendingApproval | undefined; secret?: string | undefined } = {}) {
  const decided: Array<{ workflowId: string; runId: string; input: DecideInput }> = [];
  const responses: Array<{ url: string; body: Record<string, unknown> }> = [];
  const handled: Array<Promise<ClickOutcome>> = [];
  const pending = 'pending' in o ? o.pending : waiting;
  const gates: ApprovalGates = {
    pending: async () => pending,
    decide: async (workflowId, runId, input): Promise<DecideOutcome> => {
      decided.push({ workflowId, runId, input });
      return { ok: true, result: { step: input.step!, approved: input.approve } };
    },
  };
  const app = slackInteractions({
    signingSecret: 'secret' in o ? o.secret : SECRET,
    approvers: () => ({ low: [ALICE.id], high: [ALICE.id] }),
    gates,
    respond: async (url, body) => void responses.push({ url, body }),
    onClick: (p) => handled.push(p),
  });
  const post = (req: { body: string; headers: Record<string, string> }) => app.request('/interactions', { method: 'POST', body: req.body, headers: req.headers });
  const settled = async (): Promise<ClickOutcome[]> => Promise.all(handled);
  return { decided, responses, post, settled };
}

const click = (user = ALICE, which: 'approve' | 'reject' = 'approve') => clickPayload(message, which, user, 'https://hooks.slack.test/actions/T0/1/xyz');

describe('the approval message', () => {
  it('is valid Block Kit with Approve and Reject buttons naming workflow, run, step and occurrence', () => {
    slackBlockKitMessage.parse(message);
    const actions = (message.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')!;
    expect(actions.elements!.map((e) => e.action_id)).toEqual(['runbook_approve', 'runbook_reject']);
    expect(JSON.parse(actions.elements![0]!.value)).toEqual({ w: event.workflowId, r: 'run-1', s: event.step, o: 1 });
  });
});

describe('signature v0: only a valid signature decides anything', () => {
  it('a valid signature from a listed approver decides the clicked step once, and the message is replaced', async () => {
    const t = setup();
    const res = await t.post(signedRequest(SECRET, click()));
    expect(res.status).toBe(200);
    expect(await t.settled()).toEqual(['decided']);
    expect(t.decided).toEqual([
      { workflowId: event.workflowId, runId: 'run-1', input: { approve: true, by: 'slack:U0ALICE01/alice', step: event.step, occurrence: 1 } },
    ]);
    const replaced = slackResponseMessage.parse(t.responses[0]!.body);
    expect(replaced.replace_original).toBe(true);
    expect(JSON.stringify(replaced.blocks)).toContain('Approved* by <@U0ALICE01>');
    expect(JSON.stringify(replaced.blocks)).not.toContain('"actions"');
  });

  const refused: Array<[string, () => { body: string; headers: Record<string, string> }]> = [
    ['the wrong secret', () => signedRequest('another-secret-entirely-0000', click())],
    ['a body changed after signing', () => signedRequest(SECRET, click(), { alterAfterSigning: (b) => b.replace('U0ALICE01', 'U0ALICE02') })],
    ['a timestamp 6 minutes old', () => signedRequest(SECRET, click(), { nowS: Math.floor(Date.now() / 1000) - 6 * 60 })],
    [
      'no signature header',
      () => {
        const r = signedRequest(SECRET, click());
        delete r.headers['x-slack-signature'];
        return r;
      },
    ],
    [
      'no timestamp header',
      () => {
        const r = signedRequest(SECRET, click());
        delete r.headers['x-slack-request-timestamp'];
        return r;
      },
    ],
  ];
  it.each(refused)('%s: 401 and nothing decided', async (_name, make) => {
    const t = setup();
    const res = await t.post(make());
    expect(res.status).toBe(401);
    expect(t.decided).toEqual([]);
    expect(t.responses).toEqual([]);
  });

  it('the signature check itself: valid passes; a future timestamp beyond 5 minutes does not', () => {
    const r = signedRequest(SECRET, click());
    const headers = { timestamp: r.headers['x-slack-request-timestamp'], signature: r.headers['x-slack-signature'] };
    expect(verifySlackSignature(SECRET, headers, r.body, Date.now())).toEqual({ ok: true });
    expect(verifySlackSignature(SECRET, headers, r.body, Date.now() - 6 * 60_000).ok).toBe(false);
  });

  it('without SLACK_SIGNING_SECRET every click is refused (503), naming the variable', async () => {
    const t = setup({ secret: undefined });
    const res = await t.post(signedRequest(SECRET, click()));
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('SLACK_SIGNING_SECRET');
    expect(t.decided).toEqual([]);
  });

  it('a signed body that is not a block_actions click is a 400 saying so', async () => {
    const t = setup();
    const res = await t.post(signedRequest(SECRET, { type: 'view_submission', user: { id: ALICE.id } }));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/block_actions/);
    expect(t.decided).toEqual([]);
  });
});

describe('who may decide what', () => {
  it('a user not listed for the risk is told so and nothing is decided', async () => {
    const t = setup();
    expect((await t.post(signedRequest(SECRET, click(MALLORY)))).status).toBe(200);
    expect(await t.settled()).toEqual(['not-approver']);
    expect(t.decided).toEqual([]);
    const told = slackResponseMessage.parse(t.responses[0]!.body);
    expect(told).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(told.text).toMatch(/not an approver for high-risk steps/);
  });

  it('a button of an earlier occurrence of the same step never decides the one waiting now', async () => {
    const t = setup({ pending: { ...waiting, occurrence: 2 } });
    await t.post(signedRequest(SECRET, click()));
    expect(await t.settled()).toEqual(['not-waiting']);
    expect(t.decided).toEqual([]);
    expect(slackResponseMessage.parse(t.responses[0]!.body).text).toMatch(/no longer waiting/);
  });

  it('a click on a step no longer waiting says so and decides nothing', async () => {
    const t = setup({ pending: undefined });
    await t.post(signedRequest(SECRET, click(ALICE, 'reject')));
    expect(await t.settled()).toEqual(['not-waiting']);
    expect(t.decided).toEqual([]);
  });
});
