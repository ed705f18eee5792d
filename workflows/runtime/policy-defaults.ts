// Defaults workflows fall back on when an input leaves a value out. Clients normally pass the
// loaded policy in the input, so history records what was used; the values themselves live
// once, in src/domain/defaults.ts, beside the config schema that reads them too.
import { POLICY_DEFAULTS, PROCEDURE_DEFAULTS } from '../../src/domain/defaults.js';
import type { ApprovalPolicy } from '../../src/domain/policy.js';

export function policyDefaults(): {
  batchSize: number;
  maxDrilldown: number;
  unreachableFraction: number;
  leaderlessMs: number;
} {
  return {
    batchSize: POLICY_DEFAULTS.probe.batchSize,
    maxDrilldown: PROCEDURE_DEFAULTS.maxDrilldown,
    unreachableFraction: POLICY_DEFAULTS.escalation.unreachableFraction,
    leaderlessMs: POLICY_DEFAULTS.escalation.leaderlessMs,
  };
}

export function approvalDefaults(): ApprovalPolicy {
  return {
    timeoutMs: POLICY_DEFAULTS.approval.timeoutMs,
    modes: { ...POLICY_DEFAULTS.approval.modes },
    minApprovers: { low: POLICY_DEFAULTS.approval.minApprovers?.low ?? 1, high: POLICY_DEFAULTS.approval.minApprovers?.high ?? 1 },
  };
}
