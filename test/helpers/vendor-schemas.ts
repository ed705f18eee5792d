// The vendors' documented request formats, as zod schemas, to check what the notify activity
// sends. Strict: a field the vendor does not document is an error.
// - PagerDuty Events API v2: https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
//   and …/resolve-events/ (summary ≤ 1,024 chars, severity one of four, dedup_key ≤ 255).
// - Slack incoming webhooks: https://api.slack.com/messaging/webhooks with Block Kit section and
//   context blocks (text ≤ 3,000 chars, ≤ 50 blocks, ≤ 10 context elements).
import { z } from 'zod';

const severity = z.enum(['critical', 'error', 'warning', 'info']);

export const pagerdutyTrigger = z
  .object({
    routing_key: z.string().min(1),
    event_action: z.literal('trigger'),
    dedup_key: z.string().min(1).max(255),
    payload: z
      .object({
        summary: z.string().min(1).max(1024),
        source: z.string().min(1),
        severity,
        timestamp: z.string().datetime().optional(),
        component: z.string().optional(),
        group: z.string().optional(),
        class: z.string().optional(),
        custom_details: z.record(z.unknown()).optional(),
      })
      .strict(),
    images: z.array(z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() })).optional(),
    links: z.array(z.object({ href: z.string().url(), text: z.string().optional() }).strict()).optional(),
    client: z.string().optional(),
    client_url: z.string().url().optional(),
  })
  .strict();

export const pagerdutyResolve = z
  .object({ routing_key: z.string().min(1), event_action: z.literal('resolve'), dedup_key: z.string().min(1).max(255) })
  .strict();

export const pagerdutyEvent = z.union([pagerdutyTrigger, pagerdutyResolve]);

const textObject = z.object({ type: z.enum(['mrkdwn', 'plain_text']), text: z.string().min(1).max(3000) }).strict();

const slackBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('section'), text: textObject }).strict(),
  z.object({ type: z.literal('context'), elements: z.array(textObject).min(1).max(10) }).strict(),
  z.object({ type: z.literal('header'), text: textObject }).strict(),
]);

export const slackMessage = z
  .object({ text: z.string().min(1), blocks: z.array(slackBlock).max(50).optional() })
  .strict();

// Slack Block Kit with interactivity (https://api.slack.com/reference/block-kit/blocks,
// …/block-elements#button, …/composition-objects#confirm): header text ≤ 150, button text ≤ 75,
// value ≤ 2,000, action_id and block_id ≤ 255, confirm title ≤ 100, its text ≤ 300, buttons ≤ 30.
const plainText = (max: number) => z.object({ type: z.literal('plain_text'), text: z.string().min(1).max(max), emoji: z.boolean().optional() }).strict();
const confirmObject = z
  .object({
    title: plainText(100),
    text: z.object({ type: z.enum(['mrkdwn', 'plain_text']), text: z.string().min(1).max(300) }).strict(),
    confirm: plainText(30),
    deny: plainText(30),
    style: z.enum(['primary', 'danger']).optional(),
  })
  .strict();
const button = z
  .object({
    type: z.literal('button'),
    text: plainText(75),
    action_id: z.string().min(1).max(255),
    value: z.string().max(2000).optional(),
    url: z.string().url().max(3000).optional(),
    style: z.enum(['primary', 'danger']).optional(),
    confirm: confirmObject.optional(),
    accessibility_label: z.string().max(75).optional(),
  })
  .strict();

export const slackInteractiveBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('section'), text: textObject, block_id: z.string().max(255).optional() }).strict(),
  z.object({ type: z.literal('context'), elements: z.array(textObject).min(1).max(10), block_id: z.string().max(255).optional() }).strict(),
  z.object({ type: z.literal('header'), text: plainText(150), block_id: z.string().max(255).optional() }).strict(),
  z.object({ type: z.literal('actions'), elements: z.array(button).min(1).max(25), block_id: z.string().min(1).max(255).optional() }).strict(),
]);

/** A message with buttons, as posted to an incoming webhook. */
export const slackBlockKitMessage = z.object({ text: z.string().min(1), blocks: z.array(slackInteractiveBlock).max(50) }).strict();

/** A message posted to an interaction's response_url (https://api.slack.com/interactivity/handling#message_responses). */
export const slackResponseMessage = z
  .object({
    text: z.string().min(1),
    blocks: z.array(slackInteractiveBlock).max(50).optional(),
    response_type: z.enum(['ephemeral', 'in_channel']).optional(),
    replace_original: z.boolean().optional(),
    delete_original: z.boolean().optional(),
    thread_ts: z.string().optional(),
  })
  .strict();

/**
 * The `block_actions` interaction payload Slack posts when a button is clicked
 * (https://api.slack.com/reference/interaction-payloads/block-actions), as the tests send it.
 */
export const blockActionsPayload = z
  .object({
    type: z.literal('block_actions'),
    user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]+$/), username: z.string(), name: z.string(), team_id: z.string() }).strict(),
    api_app_id: z.string(),
    token: z.string(),
    container: z.object({ type: z.literal('message'), message_ts: z.string(), channel_id: z.string(), is_ephemeral: z.boolean() }).strict(),
    trigger_id: z.string(),
    team: z.object({ id: z.string(), domain: z.string() }).strict(),
    channel: z.object({ id: z.string(), name: z.string() }).strict(),
    message: z.object({ type: z.literal('message'), ts: z.string(), text: z.string(), blocks: z.array(slackInteractiveBlock) }).passthrough().optional(),
    response_url: z.string().url(),
    actions: z
      .array(
        z
          .object({
            type: z.literal('button'),
            action_id: z.string().max(255),
            block_id: z.string().max(255),
            text: plainText(75),
            value: z.string().max(2000),
            style: z.enum(['primary', 'danger']).optional(),
            action_ts: z.string(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
