// The procedures a client may start, and how CLI flags become a workflow input (DESIGN §4/§5).
// Policy values are copied into the input so history records what the run used.
import type { RunbookPolicy } from '../domain/policy.js';
import type { ProcedureInput } from '../domain/procedure-input.js';
import type { ProcedureName } from '../domain/report.js';

export interface ProcedureSpec {
  name: ProcedureName;
  /** Runbook section it automates. */
  section: string;
  needsNode: boolean;
  summary: string;
}

export const PROCEDURES: ProcedureSpec[] = [
  { name: 'diagnose', section: '§3.1–3.5', needsNode: false, summary: 'all checks on all nodes; findings and escalation' },
  { name: 'restart-p2p', section: '§4.1', needsNode: true, summary: 'restart the P2P daemon and poll until healthy' },
  { name: 'fix-tailscale', section: '§4.2', needsNode: true, summary: 'tailscale down/up over a path that survives it' },
  { name: 'force-election', section: '§4.3', needsNode: false, summary: 'trigger an election; quorum-safe voter restarts' },
  { name: 'repair-sync', section: '§4.4', needsNode: false, summary: 'trigger sync, watch progress, approved full resync' },
  { name: 'recover-node', section: '§4.5', needsNode: true, summary: 'networkd, tailscale and p2p restarts until rejoined' },
  { name: 'update-hosts', section: '§4.6', needsNode: false, summary: 'patch changed IPs into the hosts file, validated' },
];

export function procedureSpec(name: string): ProcedureSpec | undefined {
  return PROCEDURES.find((p) => p.name === name);
}

export interface InputFlags {
  node?: string;
  dryRun?: boolean;
  autoApprove?: boolean;
  requestedBy?: string;
}

export function buildInput(policy: RunbookPolicy, flags: InputFlags): ProcedureInput & Record<string, unknown> {
  return {
    ...(flags.node !== undefined && { node: flags.node }),
    dryRun: flags.dryRun === true,
    approval: {
      timeoutMs: policy.approval.timeoutMs,
      modes: policy.approval.modes,
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
