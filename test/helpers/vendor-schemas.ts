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
