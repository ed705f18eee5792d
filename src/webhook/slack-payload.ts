// Slack's interaction payload for a button click (`block_actions`,
// https://api.slack.com/reference/interaction-payloads/block-actions), reduced to what deciding
// needs: who clicked, which of our buttons with which value, where to answer. Parsed after the
// signature is verified; anything else is a 400 that names what is wrong.
import { z } from 'zod';
import { APPROVE_ACTION, REJECT_ACTION, type ButtonValue } from '../../activities/notify/approval-payloads.js';

const buttonValue = z
  .object({ w: z.string().min(1).max(1000), r: z.string().min(1).max(200), s: z.string().min(1).max(1000), o: z.number().int().positive() })
  .strict();

const payloadSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]{2,20}$/), username: z.string().optional(), name: z.string().optional() }).passthrough(),
  response_url: z.string().url().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() }).passthrough()).min(1),
  message: z.object({ blocks: z.array(z.unknown()).optional() }).passthrough().optional(),
}).passthrough();

export interface Click {
  approve: boolean;
  gate: ButtonValue;
  user: { id: string; name: string };
  responseUrl?: string;
  /** The clicked message's blocks, so its replacement keeps what it said. */
  messageBlocks?: unknown[];
}

export type ParsedClick = { ok: true; click: Click } | { ok: false; error: string };

export function parseInteraction(rawBody: string): ParsedClick {
  const payload = new URLSearchParams(rawBody).get('payload');
  if (payload === null) return { ok: false, error: 'expected an application/x-www-form-urlencoded body with payload=<json>' };
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, error: 'payload is not valid JSON' };
  }
  const p = payloadSchema.safeParse(json);
  if (!p.success) {
    const issue = p.error.issues[0]!;
    return { ok: false, error: `not a block_actions payload: ${issue.path.join('.') || '(top)'}: ${issue.message}` };
  }
  const action = p.data.actions.find((a) => a.action_id === APPROVE_ACTION || a.action_id === REJECT_ACTION);
  if (!action || action.value === undefined) return { ok: false, error: `no ${APPROVE_ACTION} or ${REJECT_ACTION} action with a value` };
  let value: unknown;
  try {
    value = JSON.parse(action.value);
  } catch {
    return { ok: false, error: 'the button value is not ours (not JSON)' };
  }
  const gate = buttonValue.safeParse(value);
  if (!gate.success) return { ok: false, error: 'the button value is not ours (expected workflow, run, step and occurrence)' };
  const name = (p.data.user.username ?? p.data.user.name ?? p.data.user.id).replace(/[^\w.@-]/g, '_').slice(0, 64);
  return {
    ok: true,
    click: {
      approve: action.action_id === APPROVE_ACTION,
      gate: gate.data,
      user: { id: p.data.user.id, name },
      ...(p.data.response_url !== undefined && { responseUrl: p.data.response_url }),
      ...(p.data.message?.blocks !== undefined && { messageBlocks: p.data.message.blocks }),
    },
  };
}
