// The bodies an approval event becomes (DESIGN §12): a Slack Block Kit message with Approve and
// Reject buttons, its outcome, and our generic JSON. Pure builders; the webhook server uses the
// Slack ones too when it answers a click. Everything a node or a person typed is capped and
// escaped here: it is someone else's text inside our message.
import {
  type ApprovalEvent,
  approveCommand,
  approverDisplay,
  approvalTally,
  ORIGIN_TEXT,
} from '../../src/domain/approval-event.js';
import { capNodeText } from '../../src/domain/node-text.js';

/** Slack's limits (https://api.slack.com/reference/block-kit/blocks): section text, header, button value. */
export const SLACK_LIMITS = { sectionText: 3000, headerText: 150, buttonValue: 2000, fallbackText: 3000 } as const;

/** The buttons' action IDs; the interaction route answers these and nothing else. */
export const APPROVE_ACTION = 'runbook_approve';
export const REJECT_ACTION = 'runbook_reject';
export const APPROVAL_BLOCK = 'runbook_approval';

/** What a button carries: the gate it decides, never a later one (occurrence). Short keys: a value is ≤ 2,000 chars. */
export interface ButtonValue {
  w: string;
  r: string;
  s: string;
  o: number;
}

export interface ApprovalContext {
  now: Date;
  /** Web UI link of the run, in the worker's namespace. */
  link?: string;
}

/** Slack mrkdwn escapes only these three (https://api.slack.com/reference/surfaces/formatting#escaping). */
export const slackText = (s: string, max = 1000): string =>
  capNodeText(s, max).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Inside a code span a backtick would end it. */
const code = (s: string, max = 200): string => `\`${slackText(s, max).replace(/`/g, "'")}\``;
const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const section = (text: string): Record<string, unknown> => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, SLACK_LIMITS.sectionText) } });
const context = (text: string): Record<string, unknown> => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, SLACK_LIMITS.sectionText) }] });

/** The gate's name without the `approve ` prefix the CLI uses. */
const gateName = (e: ApprovalEvent): string => e.step.replace(/^approve /, '');
const where = (e: ApprovalEvent): string => (e.node !== undefined ? ` on ${e.node}` : '');

/** A decider as Slack shows them: a mention for a Slack user, their name for anyone else. */
export function slackWho(by: string): string {
  const m = /^slack:([UW][A-Z0-9]+)\//.exec(by);
  return m ? `<@${m[1]!}>` : slackText(approverDisplay(by), 200);
}

export function buttonValue(e: Pick<ApprovalEvent, 'workflowId' | 'runId' | 'step' | 'occurrence'>): string {
  const v: ButtonValue = { w: e.workflowId, r: e.runId, s: e.step, o: e.occurrence };
  return JSON.stringify(v);
}

/** One line for a phone's notification, a log line and the webhook's `summary`. */
export function approvalSummary(e: ApprovalEvent): string {
  const what = `${gateName(e)}${where(e)} (${e.procedure}, ${e.risk} risk)`;
  switch (e.event) {
    case 'approval-requested':
      return capNodeText(`Approval needed: ${what}, until ${e.deadline}`, 500);
    case 'approval-decided':
      return capNodeText(`${e.approved ? 'Approved' : 'Rejected'}: ${what}, by ${e.decidedBy ?? '?'} at ${e.decidedAt ?? '?'}`, 500);
    case 'approval-timed-out':
      return capNodeText(`Approval timed out: ${what}, nobody decided by ${e.deadline}; the run escalates`, 500);
  }
}

function whyLines(e: ApprovalEvent): string[] {
  const started = `*Started by* ${ORIGIN_TEXT[e.origin]}${e.requestedBy !== undefined ? `: ${code(e.requestedBy, 300)}` : ''}`;
  const evidence = e.evidence.length > 0 ? ['*What the run found*', ...e.evidence.map((x) => `• ${slackText(x, 300)}`)] : [];
  return [started, ...evidence];
}

function footer(e: ApprovalEvent, ctx: ApprovalContext): Record<string, unknown> {
  const parts = [`CLI: ${code(approveCommand(e.workflowId, e.step), 1200)}`];
  if (ctx.link !== undefined) parts.unshift(`<${ctx.link}|Open in the Temporal Web UI>`);
  return context(parts.join(' · '));
}

/**
 * approval-requested: a header, what (procedure, node, step, risk, exact action), why (who
 * started it, the evidence), until when, the link and CLI command, and the two buttons.
 */
export function slackApprovalMessage(e: ApprovalEvent, ctx: ApprovalContext): Record<string, unknown> {
  if (e.event !== 'approval-requested') return slackApprovalOutcome(e, ctx);
  const tally = approvalTally(e.minApprovers, e.approvals);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(`Approval needed: ${gateName(e)}${where(e)}`, SLACK_LIMITS.headerText) } },
    section(
      [
        `*What:* ${code(e.procedure)}${e.node !== undefined ? ` on ${code(e.node, 128)}` : ''} wants to ${slackText(gateName(e), 200)} (*${e.risk} risk*)`,
        `*Exact action:* ${slackText(e.action, 1000)}`,
        `*Decide by:* ${slackText(e.deadline, 40)}; no decision escalates, the step never runs unapproved`,
        ...(e.minApprovers > 1 ? [`*Needs* ${e.minApprovers} different approvers${tally !== undefined ? ` (${slackText(tally, 300)})` : ''}`] : []),
      ].join('\n'),
    ),
    section(whyLines(e).join('\n')),
    footer(e, ctx),
  ];
  const value = buttonValue(e);
  // A workflow ID too long for a button leaves the CLI command, never a truncated (wrong) value.
  if (value.length <= SLACK_LIMITS.buttonValue) {
    blocks.push({
      type: 'actions',
      block_id: APPROVAL_BLOCK,
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value,
          confirm: {
            title: { type: 'plain_text', text: 'Approve this step?' },
            text: { type: 'mrkdwn', text: clip(`${slackText(e.action, 250)}${e.node !== undefined ? ` on ${code(e.node, 64)}` : ''}`, 300) },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        { type: 'button', action_id: REJECT_ACTION, text: { type: 'plain_text', text: 'Reject' }, style: 'danger', value },
      ],
    });
  }
  return { text: clip(approvalSummary(e), SLACK_LIMITS.fallbackText), blocks };
}

/** The outcome line: who decided and when, or that it timed out. */
export function outcomeLine(e: Pick<ApprovalEvent, 'event' | 'approved' | 'decidedBy' | 'decidedAt' | 'approvals' | 'deadline' | 'comment'>): string {
  if (e.event === 'approval-timed-out') {
    const some = e.approvals.length > 0 ? ` (${e.approvals.length} approval(s) came in: ${e.approvals.map(slackWho).join(', ')})` : '';
    return `:hourglass: *Timed out*: nobody decided by ${slackText(e.deadline, 40)}${some}; the step did not run and the run escalates`;
  }
  const who = e.approved === true && e.approvals.length > 1 ? e.approvals.map(slackWho).join(' and ') : slackWho(e.decidedBy ?? '?');
  const comment = e.comment !== undefined && e.comment !== '' ? `: “${slackText(e.comment, 500)}”` : '';
  return `${e.approved === true ? ':white_check_mark: *Approved*' : ':no_entry: *Rejected*'} by ${who} at ${slackText(e.decidedAt ?? '?', 40)}${comment}`;
}

/** approval-decided / approval-timed-out: the outcome, what it was for, the link. No buttons. */
export function slackApprovalOutcome(e: ApprovalEvent, ctx: ApprovalContext): Record<string, unknown> {
  return {
    text: clip(approvalSummary(e), SLACK_LIMITS.fallbackText),
    blocks: [
      section(`${outcomeLine(e)}\n${slackText(gateName(e), 200)}${e.node !== undefined ? ` on ${code(e.node, 128)}` : ''} (${code(e.procedure)}, ${e.risk} risk): ${slackText(e.action, 1000)}`),
      footer(e, ctx),
    ],
  };
}

/**
 * The clicked message, replaced through the interaction's `response_url`: its blocks without the
 * buttons, and the outcome under them (Slack keeps the original's place in the channel).
 */
export function slackReplacement(originalBlocks: unknown, outcome: string, fallback: string): Record<string, unknown> {
  const kept = Array.isArray(originalBlocks)
    ? originalBlocks.filter((b): b is Record<string, unknown> => typeof b === 'object' && b !== null && (b as { type?: unknown }).type !== 'actions').slice(0, 40)
    : [];
  return { replace_original: true, text: clip(fallback, SLACK_LIMITS.fallbackText), blocks: [...kept, section(outcome)] };
}

/** DESIGN §12 generic event body: the same fields for every receiver, no secret in it. */
export function webhookApprovalBody(e: ApprovalEvent, ctx: ApprovalContext): Record<string, unknown> {
  return {
    version: 1,
    event: e.event,
    dedupKey: e.dedupKey,
    workflowId: e.workflowId,
    runId: e.runId,
    occurrence: e.occurrence,
    procedure: e.procedure,
    ...(e.node !== undefined && { node: e.node }),
    step: e.step,
    risk: e.risk,
    action: e.action,
    evidence: e.evidence,
    ...(e.requestedBy !== undefined && { requestedBy: e.requestedBy }),
    origin: e.origin,
    requestedAt: e.requestedAt,
    deadline: e.deadline,
    minApprovers: e.minApprovers,
    approvals: e.approvals,
    ...(e.approved !== undefined && { approved: e.approved }),
    ...(e.decidedBy !== undefined && { decidedBy: e.decidedBy }),
    ...(e.decidedAt !== undefined && { decidedAt: e.decidedAt }),
    ...(e.comment !== undefined && { comment: e.comment }),
    summary: approvalSummary(e),
    ...(ctx.link !== undefined && { url: ctx.link }),
    command: approveCommand(e.workflowId, e.step),
    sentAt: ctx.now.toISOString(),
  };
}
