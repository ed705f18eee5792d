// The body each notification target receives (DESIGN §9). Pure builders, one per vendor format:
// PagerDuty Events API v2, Slack incoming webhooks, and our own generic JSON.
import { boundBundle } from '../../src/domain/bundle-bound.js';
import type { NotifyInput } from '../../src/domain/notification.js';
import { SLACK_LINE_MAX, slackEscape, slackLink, slackText } from './slack-text.js';

export { slackEscape, slackLink, slackText } from './slack-text.js';

/** PagerDuty caps `payload.summary` at 1,024 characters; Slack's section text at 3,000. */
const PD_SUMMARY_MAX = 1024;
const SLACK_TEXT_MAX = 3000;

const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export interface PayloadContext {
  /** Web UI link of the workflow, when the worker knows the UI's address. */
  link?: string;
  now: Date;
}

/**
 * Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * trigger with the §6.2 bundle as `custom_details`; resolve names only the `dedup_key`.
 * The routing key is the one secret a vendor requires in the body.
 */
export function pagerdutyEvent(input: NotifyInput, routingKey: string, ctx: PayloadContext): Record<string, unknown> {
  if (input.action === 'resolve') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: input.dedupKey };
  }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: input.dedupKey,
    payload: {
      summary: clip(input.summary, PD_SUMMARY_MAX),
      source: input.source,
      severity: input.severity,
      timestamp: ctx.now.toISOString(),
      component: input.source,
      group: 'gpu-cluster',
      class: input.procedure ?? 'runbook',
      custom_details: input.bundle ? boundBundle(input.bundle) : { reasons: [input.summary] },
    },
    client: 'runbook (Temporal)',
    ...(ctx.link !== undefined && { client_url: ctx.link, links: [{ href: ctx.link, text: 'Workflow in the Temporal Web UI' }] }),
  };
}

/**
 * Slack incoming webhook (https://api.slack.com/messaging/webhooks): `text` is the
 * notification fallback, `blocks` the message; no secret goes in (the URL is the secret).
 */
export function slackMessage(input: NotifyInput, ctx: PayloadContext): Record<string, unknown> {
  // The summary quotes escalation reasons, which may quote a node: capped and escaped like them.
  const summary = slackText(input.summary, SLACK_LINE_MAX * 2);
  const head = input.action === 'resolve' ? `RESOLVED: ${summary}` : `ESCALATION (${input.severity}): ${summary}`;
  // `text` is what notifications and clients without blocks show: escaped as well.
  const text = clip(`${head} [${slackEscape(input.source)}]`, SLACK_TEXT_MAX);
  const b = input.action === 'trigger' && input.bundle ? boundBundle(input.bundle, 8 * 1024) : undefined;
  const lines: string[] = [];
  if (b) {
    lines.push(...b.reasons.map((r) => `• ${slackText(r)}`));
    if (b.providerStatusPages.length > 0) lines.push(`Provider status: ${b.providerStatusPages.map((p) => slackLink(p.url, p.provider)).join(', ')}`);
    if (b.recentChanges.length > 0) lines.push(`Recent changes: ${b.recentChanges.length}`);
  }
  const blocks: Array<Record<string, unknown>> = [{ type: 'section', text: { type: 'mrkdwn', text: clip(head, SLACK_TEXT_MAX) } }];
  if (lines.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), SLACK_TEXT_MAX) } });
  const context = [`incident \`${slackEscape(input.dedupKey)}\``, `source \`${slackEscape(input.source)}\``];
  if (ctx.link !== undefined) context.push(slackLink(ctx.link, 'open in Temporal'));
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(context.join(' · '), SLACK_TEXT_MAX) }] });
  return { text, blocks };
}

/** Our own JSON for any receiver: everything PagerDuty gets, minus the routing key. */
export function webhookBody(input: NotifyInput, ctx: PayloadContext): Record<string, unknown> {
  return {
    version: 1,
    dedupKey: input.dedupKey,
    action: input.action,
    summary: input.summary,
    severity: input.severity,
    source: input.source,
    ...(input.procedure !== undefined && { procedure: input.procedure }),
    ...(input.workflowId !== undefined && { workflowId: input.workflowId }),
    ...(ctx.link !== undefined && { link: ctx.link }),
    ...(input.bundle && input.action === 'trigger' && { bundle: boundBundle(input.bundle) }),
    sentAt: ctx.now.toISOString(),
  };
}
