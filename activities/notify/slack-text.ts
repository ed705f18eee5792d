// Text that goes into a Slack message (mrkdwn), made inert. Slack reads `&`, `<` and `>` as
// control characters (https://api.slack.com/reference/surfaces/formatting#escaping): `<!here>`
// pings a channel, `<https://evil|Open in Temporal>` is a disguised link. Any text not written
// by us (reasons quoting a node's stderr, node names, alert labels) goes through these; every
// Slack message builder in activities/notify/ uses them.
import { capNodeText } from '../../src/domain/node-text.js';

/** Longest reason line taken into a message: a node's stderr can run to kilobytes. */
export const SLACK_LINE_MAX = 300;

/** Slack's three escapes. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Untrusted text for one line of a message: control characters replaced, capped, escaped. */
export function slackText(s: string, max = SLACK_LINE_MAX): string {
  return slackEscape(capNodeText(s, max));
}

/** `<url|label>` whose url and label cannot close the link early or add another. */
export function slackLink(url: string, label: string): string {
  const safeUrl = slackEscape(url.replace(/\|/g, '%7C').replace(/\s/g, (c) => encodeURIComponent(c)));
  return `<${safeUrl}|${slackText(label, 80).replace(/\|/g, '¦')}>`;
}
