// A workflow's static details (the Web UI's "Details" under its summary): what started it, and
// the incident or monitor it belongs to, with a link when the Web UI's address is known
// (so the Web UI says why a run exists without opening payloads). Pure: the client and the workflows
// that start children both use it.
import { escapeMarkdown } from './node-text.js';

export interface StartedBy {
  /** The workflow type, e.g. `restart-p2p`. */
  workflow: string;
  node?: string;
  /** Runbook section(s) it automates. */
  section?: string;
  /** Who or what asked (`requestedBy`). */
  requestedBy?: string;
  /** The workflow that started this one as its child, with its Web UI link when known. */
  parent?: { kind: 'incident' | 'health monitor'; workflowId: string; url?: string };
}

export function startDetails(s: StartedBy): string {
  const what = `**${escapeMarkdown(s.workflow)}**${s.section ? ` (${s.section})` : ''}${s.node ? ` on \`${s.node}\`` : ''}`;
  const lines = [`${what}, requested by ${s.requestedBy ? escapeMarkdown(s.requestedBy) : 'an unnamed caller'}.`];
  if (s.parent) {
    const id = escapeMarkdown(s.parent.workflowId);
    lines.push(`Started by the ${s.parent.kind} ${s.parent.url ? `[${id}](${s.parent.url})` : `\`${s.parent.workflowId}\``}.`);
  }
  return lines.join('\n\n');
}
