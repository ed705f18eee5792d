// Input and result shapes common to every procedure (DESIGN §4). Pure data.
import type { ApprovalMode } from './policy.js';
import type { DecisionRecord } from './progress.js';

export interface ApprovalInput {
  /** Minutes-free: milliseconds a step waits for a human before escalating. */
  timeoutMs?: number;
  /** Per-risk override of config/runbook.yaml. */
  modes?: { low?: ApprovalMode; high?: ApprovalMode };
  /** `--auto-approve`: every gated step proceeds without waiting (an operator's explicit choice). */
  autoApprove?: boolean;
  /** Approvals from different people a step of each risk needs (default 1). */
  minApprovers?: { low?: number; high?: number };
}

export interface ProcedureInput {
  node?: string;
  dryRun?: boolean;
  approval?: ApprovalInput;
  /** Who or what started it (alert fingerprint, operator), for the audit trail. */
  requestedBy?: string;
  /**
   * false when the caller tells people itself (the health monitor, an incident): an escalation
   * then only returns its bundle. Default: an escalation notifies every target once (§6).
   */
  notify?: boolean;
}

/** §6.2 information to gather, attached to every escalation. */
export interface EscalationBundle {
  reasons: string[];
  tailscale?: unknown;
  p2pStatus?: Array<{ node: string; status?: unknown; error?: string }>;
  routing?: unknown[];
  recentChanges: string[];
  providerStatusPages: Array<{ provider: string; url: string }>;
  /** §6.2 item 1 "from multiple nodes": `tailscale status` run over SSH on healthy nodes. */
  tailscaleFromNodes?: Array<{ node: string; output?: string; error?: string }>;
  /** §6.2 item 4: the hosts file's recent backups and what each changed (update-hosts, §4.6). */
  configChanges?: Array<{ backup: string; at: string; diff: string[] }>;
  /** Set when parts were cut to keep the bundle within its size bound. */
  truncated?: boolean;
}

export interface ProcedureResult<T = unknown> {
  procedure: string;
  node?: string;
  status: 'completed' | 'escalated' | 'failed';
  summary: string;
  dryRun: boolean;
  /** The input's `requestedBy`: who or what started the run. */
  requestedBy?: string;
  /** Every approval and rejection, who and when (absent in results recorded before decisions were kept). */
  decisions?: DecisionRecord[];
  details?: T;
  escalation?: EscalationBundle;
}
