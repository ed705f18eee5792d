// What the `progress` query returns (DESIGN §5 `status --json`), where a step goes in it, and
// how the Web UI shows it. Pure: workflows/runtime/procedure.ts keeps it current.
import { escapeMarkdown } from './node-text.js';
import type { IncidentChild, JoinedOccurrence } from './incident.js';
import { approvalTally } from './approval-event.js';
import type { Risk } from './policy.js';

export type StepState = 'pending' | 'running' | 'awaiting-approval' | 'done' | 'failed' | 'skipped';
export type ProcedureStatus = 'running' | 'awaiting-approval' | 'completed' | 'failed' | 'escalated';

export interface StepProgress {
  name: string;
  state: StepState;
  startedAt?: string;
  endedAt?: string;
  detail?: string;
  risk?: Risk;
}

export interface PendingApproval {
  step: string;
  risk: Risk;
  requestedAt: string;
  /** When the approval times out and the procedure escalates. */
  deadline: string;
  /** What the step will do, for the approver. */
  detail: string;
  /** n-th gate of the run that waited: a decision naming another occurrence is refused. */
  occurrence?: number;
  /** Approvals from different people needed, when more than one. */
  minApprovers?: number;
  /** Who approved so far, when more than one approval is needed. */
  approvals?: string[];
}

/** A human's approval or rejection of a gate: who, and when in workflow time (the audit trail). */
export interface DecisionRecord {
  /** The gate, e.g. `approve restart p2p`. */
  step: string;
  approved: boolean;
  /** As given to `runbook approve/reject --by` (or the signal's `by`). */
  by: string;
  comment?: string;
  /** ISO time the workflow received it (workflow time: deterministic on replay). */
  at: string;
}

export interface Progress {
  procedure: string;
  node?: string;
  /** Who or what started the run (`cli:<user>`, `alertmanager:<alert>/<fingerprint>`, the monitor, `incident <id>`). */
  requestedBy?: string;
  dryRun: boolean;
  status: ProcedureStatus;
  steps: StepProgress[];
  pendingApproval?: PendingApproval;
  decisions: DecisionRecord[];
  /** connectivity-incident only: the child workflows it ran, with status and Web UI link. */
  children?: IncidentChild[];
  /** connectivity-incident only: alert occurrences that joined it after the one that opened it. */
  joined?: JoinedOccurrence[];
}

/**
 * The entry for `name`, made when missing. Before anything ran (the plan) it goes to the end. A
 * step first seen while the run is under way (one outside the plan, e.g. a voter's restart) goes
 * after every step that already ran, not to the end: the list reads in the order things
 * happened, with the planned steps still to come last.
 */
export function stepEntry(steps: StepProgress[], name: string): StepProgress {
  const found = steps.find((s) => s.name === name);
  if (found) return found;
  const s: StepProgress = { name, state: 'pending' };
  if (steps.some((x) => x.state !== 'pending')) steps.splice(firstPending(steps), 0, s);
  else steps.push(s);
  return s;
}

/**
 * Called as a step leaves `pending` (it starts, waits for approval, or is skipped): a planned step
 * that runs before others of the plan moves up behind the steps that already ran.
 */
export function moveToRunOrder(steps: StepProgress[], step: StepProgress): void {
  if (step.state !== 'pending') return;
  const at = steps.indexOf(step);
  const to = firstPending(steps);
  if (at < 0 || to >= at) return;
  steps.splice(at, 1);
  steps.splice(to, 0, step);
}

function firstPending(steps: StepProgress[]): number {
  const i = steps.findIndex((s) => s.state === 'pending');
  return i < 0 ? steps.length : i;
}

/** Plain words, not emoji: they read the same in every browser and terminal font. */
export const STEP_LABEL: Record<StepState, string> = {
  pending: 'pending',
  running: 'RUNNING',
  'awaiting-approval': 'WAITING',
  done: 'done',
  failed: 'FAILED',
  skipped: 'skipped',
};

/**
 * The Web UI's "current details" of a procedure: markdown of its status, the approval it waits
 * for (with the exact command that decides it), its steps and the final summary.
 */
/** `appendix`: markdown (already escaped) shown under the step list, e.g. an incident's children. */
export function renderProgress(p: Progress, workflowId: string, summary?: string, appendix?: string): string {
  const head =
    `**${p.procedure}**${p.node ? ` on \`${p.node}\`` : ''}${p.dryRun ? ' (dry run)' : ''}: ${p.status}` +
    (p.requestedBy ? `, requested by ${escapeMarkdown(p.requestedBy)}` : '');
  const pending = p.pendingApproval;
  const ask = pending
    ? `\n\n**Waiting for approval** of \`${pending.step}\` (${pending.risk}) until ${pending.deadline}: ${escapeMarkdown(pending.detail)}\n` +
      tallyLine(pending) +
      // Naming the step means a late or repeated approval cannot approve a later gate.
      `Approve: \`runbook approve ${workflowId} --step '${pending.step}' --by YOUR_NAME\`` +
      ` (or \`runbook reject …\`), or send the signal \`approve\` with \`{"step": "${pending.step}", "by": "YOUR_NAME"}\``
    : '';
  // Details and summaries quote nodes (leader ids, errors, command output) and approvers'
  // comments: plain text, escaped so none of it renders as markdown or HTML.
  const lines = p.steps.map((s) => `- \`${STEP_LABEL[s.state]}\` ${escapeMarkdown(s.name)}${s.detail ? `: ${escapeMarkdown(s.detail)}` : ''}`);
  return [head + ask, lines.join('\n'), renderDecisions(p.decisions), appendix, escapeMarkdown(summary ?? '')].filter(Boolean).join('\n\n');
}

/** "1 of 2 approvals (alice)" on a line of its own, when a step needs more than one. */
function tallyLine(a: PendingApproval): string {
  const tally = approvalTally(a.minApprovers, a.approvals);
  return tally === undefined ? '' : `${escapeMarkdown(tally)}\n`;
}

/** Who approved or rejected what, and when: the audit trail under the steps. */
function renderDecisions(decisions: readonly DecisionRecord[]): string {
  if (decisions.length === 0) return '';
  const lines = decisions.map(
    (d) =>
      `- ${d.approved ? 'approved' : '**rejected**'} \`${escapeMarkdown(d.step)}\` by ${escapeMarkdown(d.by)} at ${d.at}` +
      (d.comment ? `: ${escapeMarkdown(d.comment)}` : ''),
  );
  return `**Decisions**\n${lines.join('\n')}`;
}

/**
 * The line a closed run's details end with: the command that drafts its postmortem from the
 * histories (DESIGN §13). An ID that cannot sit in a code span is shown escaped instead.
 */
export function postmortemHint(workflowId: string): string {
  const command = /[`\r\n]/.test(workflowId) ? escapeMarkdown(`runbook postmortem ${workflowId}`) : `\`runbook postmortem ${workflowId}\``;
  return `**Postmortem draft**: ${command}`;
}
