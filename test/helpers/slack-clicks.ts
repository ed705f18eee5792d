// A click on an approval message's button, as Slack sends it: a `block_actions` payload (checked
// against Slack's documented format before it is sent), form-encoded, signed with v0.
import { createHmac } from 'node:crypto';
import { blockActionsPayload } from './vendor-schemas.js';

export interface SlackUser {
  id: string;
  name: string;
}

interface Button {
  action_id: string;
  value: string;
  text: { type: 'plain_text'; text: string };
  style?: 'primary' | 'danger';
}

/** The Approve or Reject button of a message our notifier posted. */
export function buttonOf(message: unknown, which: 'approve' | 'reject'): Button {
  const blocks = (message as { blocks?: Array<{ type: string; elements?: Button[] }> }).blocks ?? [];
  const actions = blocks.find((b) => b.type === 'actions');
  const button = actions?.elements?.find((e) => e.action_id === `runbook_${which}`);
  if (!button) throw new Error(`the message has no ${which} button: ${JSON.stringify(message).slice(0, 500)}`);
  return button;
}

export function clickPayload(message: { text: string; blocks: unknown[] }, which: 'approve' | 'reject', user: SlackUser, responseUrl: string): Record<string, unknown> {
  const b = buttonOf(message, which);
  const payload = {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T0TEST01' },
    api_app_id: 'A0TEST01',
    token: 'legacy-verification-token-unused',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0OPS001', is_ephemeral: false },
    trigger_id: '1234.5678.abcdef',
    team: { id: 'T0TEST01', domain: 'example' },
    channel: { id: 'C0OPS001', name: 'ops' },
    message: { type: 'message', ts: '1700000000.000100', text: message.text, blocks: message.blocks },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: b.action_id,
        block_id: 'runbook_approval',
        text: b.text,
        value: b.value,
        ...(b.style !== undefined && { style: b.style }),
        action_ts: '1700000001.000200',
      },
    ],
  };
  // What the tests send is what Slack documents, or the test is wrong.
  blockActionsPayload.parse(payload);
  return payload;
}

export function signedRequest(
  secret: string,
  payload: unknown,
  o: { nowS?: number; alterAfterSigning?: (body: string) => string } = {},
): { body: string; headers: Record<string, string> } {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(o.nowS ?? Math.floor(Date.now() / 1000));
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    body: o.alterAfterSigning ? o.alterAfterSigning(body) : body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig },
  };
}
