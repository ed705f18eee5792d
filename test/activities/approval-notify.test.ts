// The notifyApproval activity against local receivers standing in for Slack and a generic
// webhook (subnet 79): Slack gets valid Block Kit with the buttons, the webhook DESIGN §12's JSON
// signed with HMAC-SHA256, each target only the events its `events:` list, node text escaped
// and capped, no secret in any body, and a failing target retried while the others are served.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApprovalNotifier } from '../../activities/notify/approval.js';
import { createNotifier } from '../../activities/notify/index.js';
import type { ApprovalEvent } from '../../src/domain/approval-event.js';
import type { NotificationTarget } from '../../src/domain/policy.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { subnet } from '../helpers/subnets.js';
import { slackBlockKitMessage } from '../helpers/vendor-schemas.js';

const HOST = `127.${subnet('activities/approval-notify')}.0.1`;
const SLACK_PATH_SECRET = '/services/T000/B000/slack-path-secret-XXXX';
const HOOK_SECRET = 'hmac-key-for-the-bridge-0123456789';
const fast = { attempts: 4, backoffMs: 50, maxBackoffMs: 200, timeoutMs: 2000 };

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
const receiver = async (path: string, answer?: (n: number) => number): Promise<Receiver> => {
  const r = await startReceiver(HOST, path, answer);
  receivers.push(r);
  return r;
};

const requested: ApprovalEvent = {
  event: 'approval-requested',
  dedupKey: 'fix-tailscale-n1-x:run-1:gate-1',
  workflowId: 'fix-tailscale-n1-x',
  runId: 'run-1',
  occurrence: 1,
  procedure: 'fix-tailscale',
  node: 'n1',
  step: 'approve restart tailscale',
  risk: 'high',
  action: 'sudo tailscale down && sudo tailscale up on n1, over the fallback address (§4.2)',
  // A hostile daemon's words: markup and a mention that must stay text.
  evidence: ['check node: leader_id <!channel> & <http://evil|click> ' + 'x'.repeat(5000)],
  requestedBy: 'alertmanager:NodeEvicted/abc123',
  origin: 'alert',
  requestedAt: '2026-12-07T10:00:00.000Z',
  deadline: '2026-12-07T10:15:00.000Z',
  minApprovers: 2,
  approvals: [],
};

async function setup(extra: NotificationTarget[] = [], answer?: (n: number) => number) {
  const [slack, hook] = await Promise.all([receiver(SLACK_PATH_SECRET, answer), receiver('/bridge')]);
  const targets: NotificationTarget[] = [
    { kind: 'log', name: 'worker-log' },
    { kind: 'slack', name: 'ops-channel', urlEnv: 'TEST_SLACK_URL' },
    { kind: 'webhook', name: 'chat-bridge', urlEnv: 'TEST_HOOK_URL', secretEnv: 'TEST_HOOK_SECRET', events: ['approval'] },
    ...extra,
  ];
  const env = { TEST_SLACK_URL: slack.url, TEST_HOOK_URL: hook.url, TEST_HOOK_SECRET: HOOK_SECRET };
  return {
    slack,
    hook,
    targets,
    env,
    notify: createApprovalNotifier({ targets, env, uiUrl: 'http://ui.test', sendPolicy: fast }),
  };
}

describe('notifyApproval activity', () => {
  it('Slack gets Block Kit naming the step, the action, the evidence (escaped, capped), who started it, the deadline, the link and the CLI command', async () => {
    const { slack, notify } = await setup();
    const r = await notify(requested);
    expect(r.deliveries.map((d) => [d.kind, d.target, d.ok])).toEqual([
      ['log', 'worker-log', true],
      ['slack', 'ops-channel', true],
      ['webhook', 'chat-bridge', true],
    ]);
    const msg = slackBlockKitMessage.parse(slack.received[0]!.json);
    const text = JSON.stringify(msg.blocks);
    expect(msg.text).toContain('Approval needed: restart tailscale on n1');
    for (const part of ['fix-tailscale', 'high risk', 'sudo tailscale down', '2026-12-07T10:15:00.000Z', 'an alert', 'NodeEvicted', '0 of 2 approvals',
      // Slack shows &lt; as <: the command reads `--by <you>`.
      "runbook approve 'fix-tailscale-n1-x' --step 'approve restart tailscale' --by &lt;you&gt;",
      'http://ui.test/namespaces/default/workflows/fix-tailscale-n1-x/run-1']) {
      expect(text).toContain(part);
    }
    // Node text is text: no mention, no link of its own, and bounded.
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;http://evil|click&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text.length).toBeLessThan(8000);
    expect(slack.received[0]!.body).not.toContain('slack-path-secret');
  });

  it('the generic webhook gets the DESIGN §12 JSON, signed with HMAC-SHA256 over the exact body', async () => {
    const { hook, notify } = await setup();
    await notify(requested);
    const got = hook.received[0]!;
    const expected = `sha256=${createHmac('sha256', HOOK_SECRET).update(got.body).digest('hex')}`;
    expect(got.headers['x-runbook-signature']).toBe(expected);
    expect(got.json).toMatchObject({
      event: 'approval-requested',
      workflowId: requested.workflowId,
      runId: 'run-1',
      procedure: 'fix-tailscale',
      node: 'n1',
      step: 'approve restart tailscale',
      risk: 'high',
      deadline: requested.deadline,
      url: 'http://ui.test/namespaces/default/workflows/fix-tailscale-n1-x/run-1',
      command: "runbook approve 'fix-tailscale-n1-x' --step 'approve restart tailscale' --by <you>",
      dedupKey: requested.dedupKey,
    });
    expect((got.json as { summary: string }).summary).toMatch(/^Approval needed: restart tailscale on n1/);
    expect(got.body).not.toContain(HOOK_SECRET);
  });

  it('the outcome shares the request’s dedup key and names who decided; a timeout says so', async () => {
    const { slack, hook, notify } = await setup();
    await notify({ ...requested, event: 'approval-decided', approved: true, decidedBy: 'slack:U0ALICE01/alice, bob', decidedAt: '2026-12-07T10:05:00.000Z', approvals: ['slack:U0ALICE01/alice', 'bob'] });
    await notify({ ...requested, event: 'approval-timed-out' });
    const decided = slackBlockKitMessage.parse(slack.received[0]!.json);
    expect(JSON.stringify(decided.blocks)).toContain('Approved* by <@U0ALICE01> and bob');
    expect(decided.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(slackBlockKitMessage.parse(slack.received[1]!.json).blocks)).toContain('Timed out');
    expect(hook.received.map((r) => [(r.json as { event: string }).event, (r.json as { dedupKey: string }).dedupKey])).toEqual([
      ['approval-decided', requested.dedupKey],
      ['approval-timed-out', requested.dedupKey],
    ]);
    expect(hook.received[0]!.json).toMatchObject({ approved: true, decidedBy: 'slack:U0ALICE01/alice, bob' });
  });

  it('each target hears only its events: the approval-only webhook gets no escalation, a target without approval no approval', async () => {
    const quiet = await receiver('/quiet');
    const { hook, slack, targets, env, notify } = await setup([{ kind: 'webhook', name: 'pages-only', url: quiet.url, events: ['escalation'] }]);
    const r = await notify(requested);
    expect(r.deliveries.map((d) => d.target)).not.toContain('pages-only');
    expect(quiet.received).toEqual([]);
    const escalate = createNotifier({ targets, env, sendPolicy: fast });
    const e = await escalate({ dedupKey: 'k', action: 'trigger', summary: 'x escalated', severity: 'critical', source: 'n1' });
    expect(e.deliveries.map((d) => d.target)).toEqual(['worker-log', 'ops-channel', 'pages-only']);
    expect(hook.received).toHaveLength(1); // the approval only
    expect(slack.received).toHaveLength(2);
    expect(quiet.received[0]!.json).toMatchObject({ event: 'escalation', dedupKey: 'k' });
  });

  it('a failing Slack is retried with backoff while the webhook is served; a missing secret variable is a failed delivery naming it', async () => {
    const { slack, hook, targets, notify } = await setup([], (n) => (n < 3 ? 503 : 200));
    const r = await notify(requested);
    expect(r.deliveries.find((d) => d.target === 'ops-channel')).toMatchObject({ ok: true, attempts: 3 });
    expect(slack.received).toHaveLength(3);
    expect(hook.received[0]!.at).toBeLessThanOrEqual(slack.received[2]!.at);
    const unsigned = createApprovalNotifier({ targets, env: { TEST_HOOK_URL: hook.url }, sendPolicy: fast });
    const u = await unsigned(requested);
    expect(u.deliveries.find((d) => d.target === 'chat-bridge')).toMatchObject({ ok: false, attempts: 0, error: 'environment variable TEST_HOOK_SECRET is not set' });
    expect(hook.received).toHaveLength(1); // never an unsigned post
  });
});
