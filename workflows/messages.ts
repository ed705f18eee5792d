// Signals, queries and updates, defined once with stable names (DESIGN §4). The CLI and the
// webhook import them from here.
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { AlertRef } from '../src/domain/incident.js';
import type { Progress } from '../src/domain/progress.js';

export interface Decision {
  /** Step the decision is for; absent means "the step waiting now". */
  step?: string;
  /** The gate occurrence it is for (PendingApproval.occurrence); a Slack button names it. */
  occurrence?: number;
  by: string;
  comment?: string;
}

export interface DecideInput extends Decision {
  approve: boolean;
}

export interface DecideResult {
  step: string;
  approved: boolean;
  /** When more than one approval is needed: who approved so far, and how many are needed. */
  approvals?: string[];
  needed?: number;
}

// The SDK's defineSignal/defineQuery/defineUpdate (in @temporalio/workflow) return exactly
// `{ type, name }` (no options are used here). Built the same way here, the definitions cost the
// CLI and the webhook nothing: importing @temporalio/workflow only for them cost `runbook status`
// ~0.15 CPU-s of its start. Workflows register handlers with the same objects.
const defineSignal = <Args extends unknown[] = []>(name: string) => ({ type: 'signal', name }) as SignalDefinition<Args>;
const defineQuery = <Ret, Args extends unknown[] = []>(name: string) => ({ type: 'query', name }) as QueryDefinition<Ret, Args>;
const defineUpdate = <Ret, Args extends unknown[] = []>(name: string) => ({ type: 'update', name }) as UpdateDefinition<Ret, Args>;

export const approveSignal = defineSignal<[Decision]>('approve');
export const rejectSignal = defineSignal<[Decision]>('reject');
/** Validated: rejected when no step (or not the named step) is waiting for approval. */
export const decideUpdate = defineUpdate<DecideResult, [DecideInput]>('decide');
export const progressQuery = defineQuery<Progress>('progress');

/** health-monitor: finish the current heartbeat and complete (running recoveries carry on). */
export const stopMonitorSignal = defineSignal('stop-monitor');
/** health-monitor: act on a node held as flapping (or escalated) again, as if it were new. */
export const resumeNodeSignal = defineSignal<[{ node: string }]>('resume-node');
/** connectivity-incident: Alertmanager fired the same alert occurrence again (a repeat or duplicate). */
export const alertSignal = defineSignal<[AlertRef]>('alert');
/** connectivity-incident: Alertmanager says the alert resolved; the incident verifies and finishes. */
export const alertResolvedSignal = defineSignal<[AlertRef]>('alert-resolved');
