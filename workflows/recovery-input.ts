// Knobs every recovery procedure accepts beside ProcedureInput (the blast radius, verification and
// slot waits, the §6.1 unreachable share), their defaults, and the options a procedure reads from them.
import { POLICY_DEFAULTS, PROCEDURE_DEFAULTS } from '../src/domain/defaults.js';
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
  unreachableFraction: POLICY_DEFAULTS.escalation.unreachableFraction,
  maxNodesRemediated: POLICY_DEFAULTS.maxNodesRemediated,
  verifyTimeoutMs: PROCEDURE_DEFAULTS.verifyTimeoutMs,
  slotWaitMs: PROCEDURE_DEFAULTS.slotWaitMs,
} as const;

/**
 * Longest single wait a procedure hands to a polling activity: well inside the longRunning
 * preset's 30-minute start-to-close, so a wait ends in a verdict, never an activity timeout.
 */
export const MAX_WAIT_MS = 25 * 60_000;

export function recoveryOptions(input: RecoveryInput): Required<Pick<RecoveryInput, keyof typeof RECOVERY_DEFAULTS>> {
  return {
    unreachableFraction: input.unreachableFraction ?? RECOVERY_DEFAULTS.unreachableFraction,
    maxNodesRemediated: input.maxNodesRemediated ?? RECOVERY_DEFAULTS.maxNodesRemediated,
    // A stage verifies within 10 min, which keeps it inside a blast-radius lease (30 min).
    verifyTimeoutMs: Math.min(input.verifyTimeoutMs ?? RECOVERY_DEFAULTS.verifyTimeoutMs, 10 * 60_000),
    slotWaitMs: input.slotWaitMs ?? RECOVERY_DEFAULTS.slotWaitMs,
  };
}
