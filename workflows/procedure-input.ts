// Knobs every recovery procedure accepts beside ProcedureInput; clients fill them from policy.
import type { ProcedureInput } from '../src/domain/procedure-input.js';

export interface RecoveryInput extends ProcedureInput {
  /** §6.1 share of unreachable nodes above which no step is approved automatically. */
  unreachableFraction?: number;
  /** Blast radius: nodes mutated at once across all procedures. */
  maxNodesRemediated?: number;
  /** How long to poll for a node to come back after a step. */
  verifyTimeoutMs?: number;
  /** Longest wait for a blast-radius slot. */
  slotWaitMs?: number;
  /** Workflow ID of the blast-radius semaphore shared by every procedure of this cluster. */
  slotsWorkflowId?: string;
}

export const RECOVERY_DEFAULTS = {
  unreachableFraction: 0.5,
  maxNodesRemediated: 2,
  verifyTimeoutMs: 60_000,
  slotWaitMs: 10 * 60_000,
} as const;

export function recoveryOptions(input: RecoveryInput): Required<Pick<RecoveryInput, keyof typeof RECOVERY_DEFAULTS>> {
  return {
    unreachableFraction: input.unreachableFraction ?? RECOVERY_DEFAULTS.unreachableFraction,
    maxNodesRemediated: input.maxNodesRemediated ?? RECOVERY_DEFAULTS.maxNodesRemediated,
    verifyTimeoutMs: input.verifyTimeoutMs ?? RECOVERY_DEFAULTS.verifyTimeoutMs,
    slotWaitMs: input.slotWaitMs ?? RECOVERY_DEFAULTS.slotWaitMs,
  };
}
