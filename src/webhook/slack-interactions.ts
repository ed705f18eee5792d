// POST /slack/interactions (DESIGN §12): an Approve or Reject click on an approval message.
// Verified first (signature v0 over the raw body: a 401 decides nothing), acknowledged at once
// (Slack wants an answer within 3 s; a Temporal round trip may take longer), then decided in the
// background: the gate must still wait for exactly the clicked step and occurrence, the clicker
// must be an approver for its risk, and the workflow's validated `decide` update has the last
// word. The outcome goes to the interaction's response_url.
import type { Logger } from '@temporalio/common';
import { Hono } from 'hono';
import { outcomeLine, slackReplacement, slackText } from '../../activities/notify/approval-payloads.js';
import { approvalTally } from '../domain/approval-event.js';
import type { Approvers } from '../domain/policy.js';
import type { ApprovalGates } from './approval-gates.js';
import { type Click, parseInteraction } from './slack-payload.js';
import { SLACK_SIGNING_SECRET_ENV, verifySlackSignature } from './slack-signature.js';

/** Slack's interaction bodies are a few KB; anything far bigger is not Slack. */
const BODY_LIMIT = 256 * 1024;
const RESPOND_TIMEOUT_MS = 10_000;
const RESPOND_ATTEMPTS = 3;

export type ClickOutcome = 'decided' | 'recorded' | 'not-approver' | 'not-waiting' | 'refused' | 'error';

export interface SlackInteractionsOptions {
  /** SLACK_SIGNING_SECRET; without it every request is refused (503). */
  signingSecret: string | undefined;
  /** `approvers:` of config/runbook.yaml, read per click. */
  approvers: () => Approvers | undefined;
  gates: ApprovalGates;
  /** Posts a message to a response_url (default: fetch with retries). */
  respond?: (url: string, body: Record<string, unknown>) => Promise<void>;
  logger?: Logger;
  now?: () => number;
  /** Each accepted click's background handling, for tests that wait on it. */
  onClick?: (handled: Promise<ClickOutcome>) => void;
}

async function postResponse(url: string, body: Record<string, unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(RESPOND_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.ok || (res.status < 500 && res.status !== 429) || attempt >= RESPOND_ATTEMPTS) return;
    } catch (err) {
      if (attempt >= RESPOND_ATTEMPTS) throw err;
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
}

/** Only the clicker sees it; the message stays as it is. */
const ephemeral = (text: string): Record<string, unknown> => ({ response_type: 'ephemeral', replace_original: false, text });

export function slackInteractions(o: SlackInteractionsOptions): Hono {
  const app = new Hono();
  const respond = o.respond ?? postResponse;
  const now = o.now ?? Date.now;

  async function handle(click: Click): Promise<ClickOutcome> {
    const { w, r, s, o: occurrence } = click.gate;
    const tell = async (outcome: ClickOutcome, body: Record<string, unknown>): Promise<ClickOutcome> => {
      if (click.responseUrl !== undefined) await respond(click.responseUrl, body);
      return outcome;
    };
    const pending = await o.gates.pending(w, r);
    // A stale button (a decided gate, a later gate of the same name, a finished run) changes nothing.
    if (pending === undefined || pending.step !== s || (pending.occurrence !== undefined && pending.occurrence !== occurrence)) {
      return tell('not-waiting', ephemeral(`"${slackText(s, 200)}" is no longer waiting for approval (decided, timed out, or the run is over): nothing was changed.`));
    }
    const risk = pending.risk === 'high' ? 'high' : 'low';
    if (!(o.approvers()?.[risk] ?? []).includes(click.user.id)) {
      o.logger?.warn('slack click from someone not listed as an approver', { user: click.user.id, workflowId: w, step: s, risk });
      return tell('not-approver', ephemeral(`You are not an approver for ${risk}-risk steps (approvers.${risk} in config/runbook.yaml): nothing was decided.`));
    }
    const by = `slack:${click.user.id}/${click.user.name}`;
    const decided = await o.gates.decide(w, r, { approve: click.approve, by, step: s, occurrence });
    if (!decided.ok) return tell('refused', ephemeral(`Not decided: ${slackText(decided.refused, 500)}`));
    const { approvals, needed } = decided.result;
    if (click.approve && needed !== undefined && approvals !== undefined && approvals.length < needed) {
      return tell('recorded', ephemeral(`Your approval is recorded: ${slackText(approvalTally(needed, approvals) ?? '', 300)}. Another approver must approve before the step runs.`));
    }
    const at = new Date(now()).toISOString();
    const line = outcomeLine({
      event: 'approval-decided',
      approved: click.approve,
      decidedBy: by,
      decidedAt: at,
      approvals: approvals ?? [by],
      deadline: pending.deadline,
    });
    o.logger?.info('approval decided from slack', { workflowId: w, step: s, approved: click.approve, by });
    return tell('decided', slackReplacement(click.messageBlocks, line, `${click.approve ? 'Approved' : 'Rejected'} by ${click.user.name}: ${s}`));
  }

  app.post('/interactions', async (c) => {
    if (o.signingSecret === undefined) {
      return c.json({ error: `${SLACK_SIGNING_SECRET_ENV} is not set on the webhook server: Slack interactions are refused` }, 503);
    }
    const length = Number(c.req.header('content-length') ?? '0');
    if (length > BODY_LIMIT) return c.json({ error: `body larger than ${BODY_LIMIT} bytes` }, 413);
    const raw = await c.req.text();
    if (raw.length > BODY_LIMIT) return c.json({ error: `body larger than ${BODY_LIMIT} bytes` }, 413);
    const verdict = verifySlackSignature(
      o.signingSecret,
      { timestamp: c.req.header('x-slack-request-timestamp'), signature: c.req.header('x-slack-signature') },
      raw,
      now(),
    );
    if (!verdict.ok) {
      o.logger?.warn('slack interaction refused', { reason: verdict.reason });
      return c.json({ error: verdict.reason }, 401);
    }
    const parsed = parseInteraction(raw);
    if (!parsed.ok) return c.json({ error: parsed.error }, 400);
    const handled = handle(parsed.click).catch((err: unknown) => {
      o.logger?.error('slack interaction failed', { error: err instanceof Error ? err.message : String(err) });
      const url = parsed.click.responseUrl;
      const sorry = ephemeral('Something went wrong reaching Temporal: nothing was decided. Try again, or use the CLI command in the message.');
      return (url !== undefined ? respond(url, sorry).catch(() => undefined) : Promise.resolve()).then((): ClickOutcome => 'error');
    });
    o.onClick?.(handled);
    // Slack's 3-second limit: the answer is an empty 200 now, the outcome follows on response_url.
    return c.body(null, 200);
  });
  return app;
}
