// Text that nodes send us (`leader_id`, `status`, `role`, `cluster_health`, sync category
// names) is untrusted: a broken or hostile daemon can answer anything up to the HTTP body cap.
// It lands in workflow history (every activity result) and in the Web UI's markdown, so it is
// capped where it is parsed and escaped where it is rendered. Pure: workflows use it too.

/**
 * Longest node-supplied string kept. Real values are node names and short words (a few dozen
 * characters); 1,000 nodes × 5 fields × this stays far below Temporal's 2 MiB payload limit.
 */
export const MAX_NODE_TEXT = 128;

/** Control characters (newlines included) would break a markdown list line or a log line. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** At most MAX_NODE_TEXT characters, control characters replaced, a marker saying how much was cut. */
export function capNodeText(text: string, max = MAX_NODE_TEXT): string {
  const clean = text.replace(CONTROL, '\uFFFD');
  if (clean.length <= max) return clean;
  return `${clean.slice(0, max)}…[${clean.length - max} more chars]`;
}

/** Same, for a value that may be null. */
export function capNullable(text: string | null, max = MAX_NODE_TEXT): string | null {
  return text === null ? null : capNodeText(text, max);
}

const MARKDOWN_SPECIAL = /[\\`*_[\]~|#]/g;

/**
 * Plain text made inert inside markdown: HTML is entity-escaped (the Web UI renders markdown,
 * and raw HTML in it is markup), markdown punctuation is backslash-escaped, and line breaks
 * become spaces so one value cannot start a new list item or heading.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(MARKDOWN_SPECIAL, (c) => `\\${c}`);
}
