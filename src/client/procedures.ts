// How CLI flags and policy become a procedure's input, and how its workflow ID reads (DESIGN
// §4/§5). Policy values are copied into the input so history records what the run used. Which
// procedures exist, and what each is, lives in workflows/registry.ts.
import type { RunbookPolicy } from '../domain/policy.js';
import type { DiagnoseInput } from '../../workflows/diagnose.js';
import type { ForceElectionInput } from '../../workflows/force-election.js';
import type { RepairSyncInput } from '../../workflows/repair-sync.js';

export interface InputFlags {
  node?: string;
  dryRun?: boolean;
  autoApprove?: boolean;
  requestedBy?: string;
}

/** One input that every procedure accepts: each reads the policy values it knows. */
export type PolicyInput = DiagnoseInput & ForceElectionInput & RepairSyncInput;

export function buildInput(policy: RunbookPolicy, flags: InputFlags): PolicyInput {
  return {
    ...(flags.node !== undefined && { node: flags.node }),
    dryRun: flags.dryRun === true,
    approval: {
      timeoutMs: policy.approval.timeoutMs,
      modes: policy.approval.modes,
      ...(policy.approval.minApprovers !== undefined && { minApprovers: policy.approval.minApprovers }),
      ...(flags.autoApprove && { autoApprove: true }),
    },
    ...(flags.requestedBy !== undefined && { requestedBy: flags.requestedBy }),
    batchSize: policy.probe.batchSize,
    unreachableFraction: policy.escalation.unreachableFraction,
    leaderlessMs: policy.escalation.leaderlessMs,
    syncStallMs: policy.escalation.syncStallMs,
    maxNodesRemediated: policy.maxNodesRemediated,
  };
}

/** Workflow IDs name the procedure and node, so the Web UI list reads like an incident log. */
export function newWorkflowId(procedure: string, node: string | undefined, nowMs: number): string {
  return `${procedure}${node ? `-${node}` : ''}-${nowMs.toString(36)}`;
}
