// Every workflow the worker runs, described once (STYLE §13). The names come from the bundle's
// exports (index.ts, procedures.ts): a workflow without an entry here, or an entry without a
// workflow, is a compile error. Pure data and type-only imports, so the CLI lists procedures
// without loading any workflow code, and a workflow (the incident) may read it too.
import type { Risk } from '../src/domain/policy.js';
import type { RemedyName } from '../src/domain/report.js';
import type * as bundle from './index.js';
import type * as procedures from './procedures.js';

/** The bundle's exports: workflow type name → workflow function. */
export type Workflows = typeof bundle;
export type WorkflowName = keyof Workflows & string;
/** What a workflow takes (its one input object, STYLE §4) and what it returns. */
export type WorkflowInput<N extends WorkflowName> = Parameters<Workflows[N]>[0];
export type WorkflowResult<N extends WorkflowName> = Awaited<ReturnType<Workflows[N]>>;

/** A runbook procedure (DESIGN §4): `runbook run` starts it; an incident may run it as a child. */
export type ProcedureName = keyof typeof procedures & string;

export interface ProcedureSpec {
  /** Runbook section it automates. */
  section: string;
  /** Acts on one node, named by `input.node` (`--node`). */
  needsNode: boolean;
  /** The highest risk among its steps: `read` changes nothing, `high` waits for a human by default. */
  risk: Risk;
  summary: string;
}

/** Listed in this order by `runbook run --help`. */
export const PROCEDURES = {
  diagnose: { section: '§3.1–3.5', needsNode: false, risk: 'read', summary: 'all checks on all nodes; findings and escalation' },
  'restart-p2p': { section: '§4.1', needsNode: true, risk: 'low', summary: 'restart the P2P daemon and poll until healthy' },
  'fix-tailscale': { section: '§4.2', needsNode: true, risk: 'high', summary: 'tailscale down/up over a path that survives it' },
  'force-election': { section: '§4.3', needsNode: false, risk: 'high', summary: 'trigger an election; quorum-safe voter restarts' },
  'repair-sync': { section: '§4.4', needsNode: false, risk: 'high', summary: 'trigger sync, watch progress, approved full resync' },
  'recover-node': { section: '§4.5', needsNode: true, risk: 'high', summary: 'networkd, tailscale and p2p restarts until rejoined' },
  'update-hosts': { section: '§4.6', needsNode: false, risk: 'high', summary: 'patch changed IPs into the hosts file, validated' },
} satisfies Record<ProcedureName, ProcedureSpec>;

/**
 * Workflows that are not runbook procedures, so `runbook run` neither lists nor starts them.
 * `driver`: runs procedures itself and is started by its own command or the webhook (an
 * incident, the health monitor). `internal`: plumbing that procedures start themselves.
 */
export interface OtherWorkflowSpec {
  kind: 'driver' | 'internal';
  /** Runbook sections it covers, when it automates some. */
  section?: string;
  summary: string;
}

export const OTHER_WORKFLOWS = {
  remediationSlots: { kind: 'internal', summary: 'blast-radius semaphore shared by every procedure of a cluster' },
  'connectivity-incident': { kind: 'driver', summary: 'one alert occurrence: diagnose, run the procedures it needs, verify (§8–§9)' },
  'health-monitor': { kind: 'driver', summary: 'heartbeat every node, recover-node after missed beats, §6.1 limits (§5.2–5.3)' },
} satisfies Record<Exclude<WorkflowName, ProcedureName>, OtherWorkflowSpec>;

export const PROCEDURE_NAMES = Object.keys(PROCEDURES) as ProcedureName[];

export function isProcedureName(name: string): name is ProcedureName {
  return Object.hasOwn(PROCEDURES, name);
}

// diagnose recommends procedures by name (src/domain cannot import this file): each must exist.
const _remediesAreProcedures: Record<RemedyName, ProcedureSpec> = PROCEDURES;
