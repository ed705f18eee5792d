// DESIGN §12: every gate that waits for a human is told to the targets that take `approval`
// events, and so is its outcome. Sent by an activity (scheduled once per gate, never repeated by
// a replay) that runs beside the wait: a dead Slack delays neither the question nor the step.
import { workflowInfo } from '@temporalio/workflow';
import {
  type ApprovalEvent,
  type ApprovalEventKind,
  approvalKey,
  requestOrigin,
} from '../../src/domain/approval-event.js';
import { capNodeText } from '../../src/domain/node-text.js';
import type { PendingApproval, Progress } from '../../src/domain/progress.js';
import { notifying } from './activities.js';

/** patched() id: gates send approval events (histories recorded before ask nobody). */
export const APPROVAL_EVENTS = 'approval-events';

/** Evidence lines and their length: enough to judge, bounded in history and in a message. */
const MAX_EVIDENCE = 6;
const MAX_EVIDENCE_TEXT = 300;

/**
 * What the run found before it asked: the details of the steps that ran (the node's check, the
 * corroborated finding, the §6.1 guard), most recent last. Node text, so capped here.
 */
export function evidenceOf(progress: Progress): string[] {
  return progress.steps
    .filter((s) => (s.state === 'done' || s.state === 'failed') && s.detail !== undefined && !s.name.startsWith('approve '))
    .slice(-MAX_EVIDENCE)
    .map((s) => capNodeText(`${s.name}: ${s.detail!}`, MAX_EVIDENCE_TEXT));
}

export interface GateFacts {
  progress: Progress;
  pending: PendingApproval & { occurrence: number };
  evidence: string[];
  minApprovers: number;
}

export function approvalEvent(event: ApprovalEventKind, g: GateFacts, outcome?: { approved: boolean; by: string; at: string; comment?: string; approvals: string[] }): ApprovalEvent {
  const { workflowId, runId } = workflowInfo();
  const p = g.progress;
  return {
    event,
    dedupKey: approvalKey(workflowId, runId, g.pending.occurrence),
    workflowId,
    runId,
    occurrence: g.pending.occurrence,
    procedure: p.procedure,
    ...(p.node !== undefined && { node: p.node }),
    step: g.pending.step,
    risk: g.pending.risk === 'read' ? 'low' : g.pending.risk,
    action: capNodeText(g.pending.detail, 1000),
    evidence: g.evidence,
    ...(p.requestedBy !== undefined && { requestedBy: capNodeText(p.requestedBy, 300) }),
    origin: requestOrigin(p.requestedBy),
    requestedAt: g.pending.requestedAt,
    deadline: g.pending.deadline,
    minApprovers: g.minApprovers,
    approvals: outcome?.approvals ?? [...(g.pending.approvals ?? [])],
    ...(outcome !== undefined && {
      approved: outcome.approved,
      decidedBy: outcome.by,
      decidedAt: outcome.at,
      ...(outcome.comment !== undefined && { comment: outcome.comment }),
    }),
  };
}

/** Sends one event; a failure is logged by the SDK and never reaches the gate. */
export function sendApprovalEvent(e: ApprovalEvent): Promise<void> {
  return notifying.notifyApproval(e).then(
    () => undefined,
    () => undefined,
  );
}
