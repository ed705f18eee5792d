// What the `progress` query returns (DESIGN §5 `status --json`). Pure data.
import type { IncidentChild } from './incident.js';
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
}

export interface Progress {
  procedure: string;
  node?: string;
  dryRun: boolean;
  status: ProcedureStatus;
  steps: StepProgress[];
  pendingApproval?: PendingApproval;
  decisions: Array<{ step: string; approved: boolean; by: string; comment?: string; at: string }>;
  /** connectivity-incident only: the child workflows it ran, with status and Web UI link. */
  children?: IncidentChild[];
}
