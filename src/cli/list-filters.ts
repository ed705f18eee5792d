// `runbook list`'s flags, checked and turned into one Temporal visibility query (DESIGN §5), and
// the status word a listed run shows. Pure: no client, so unit tests cover every flag.
import { OTHER_WORKFLOWS, PROCEDURE_NAMES } from '../../workflows/registry.js';
import { UsageError } from './errors.js';

/** What `--status` accepts: the procedure outcomes, then Temporal's own ends of a run. */
export const LIST_STATUSES = ['running', 'awaiting-approval', 'completed', 'escalated', 'failed', 'terminated', 'canceled', 'timed-out'] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

/** Procedures, plus the drivers that run them (an incident, the monitor): all carry RunbookProcedure. */
export const LISTED_WORKFLOWS: readonly string[] = [
  ...PROCEDURE_NAMES,
  ...Object.entries(OTHER_WORKFLOWS)
    .filter(([, spec]) => spec.kind === 'driver')
    .map(([name]) => name),
];

export interface ListFlags {
  procedure?: string;
  node?: string;
  status?: string;
  since?: string;
  awaitingApproval?: boolean;
  limit?: string;
}

export interface ListFilters {
  procedure?: string;
  node?: string;
  status?: ListStatus;
  since?: Date;
  limit: number;
}

export const DEFAULT_LIST_LIMIT = 50;

/** Checks every flag; a bad one is a UsageError naming the flag and what it accepts. */
export function parseListFlags(flags: ListFlags, now: Date): ListFilters {
  const out: ListFilters = { limit: parseLimit(flags.limit) };
  if (flags.procedure !== undefined) {
    if (!LISTED_WORKFLOWS.includes(flags.procedure)) {
      throw new UsageError(`--procedure: unknown procedure "${flags.procedure}" (one of: ${LISTED_WORKFLOWS.join(', ')})`);
    }
    out.procedure = flags.procedure;
  }
  if (flags.node !== undefined) {
    // Not checked against the hosts file: a node removed since still has its runs listed. The
    // shape check keeps quotes and spaces out of the visibility query.
    if (!NODE_NAME.test(flags.node)) {
      throw new UsageError(`--node: "${flags.node}" is not a node name (letters, digits, '.', '_' and '-', as in the hosts file)`);
    }
    out.node = flags.node;
  }
  if (flags.status !== undefined) {
    if (!(LIST_STATUSES as readonly string[]).includes(flags.status)) {
      throw new UsageError(`--status: unknown status "${flags.status}" (one of: ${LIST_STATUSES.join(', ')})`);
    }
    out.status = flags.status as ListStatus;
  }
  if (flags.awaitingApproval) {
    if (out.status !== undefined && out.status !== 'awaiting-approval') {
      throw new UsageError(`--awaiting-approval contradicts --status ${out.status} (--awaiting-approval is --status awaiting-approval)`);
    }
    out.status = 'awaiting-approval';
  }
  if (flags.since !== undefined) out.since = parseSince(flags.since, now);
  return out;
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIST_LIMIT;
  if (!/^[1-9]\d{0,5}$/.test(text)) throw new UsageError(`--limit: "${text}" is not a whole number from 1 to 999999`);
  return Number(text);
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:\d+[smhdw])+$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--since`: a duration back from now (`30m`, `2h`, `1d12h`; units s m h d w) or an ISO time
 * (`2026-11-29`, `2026-11-29T22:00Z`; a time without a zone is local time, a bare date is UTC).
 */
export function parseSince(text: string, now: Date): Date {
  if (DURATION.test(text)) {
    let ms = 0;
    for (const [, n, unit] of text.matchAll(/(\d+)([smhdw])/g)) ms += Number(n) * UNIT_MS[unit!]!;
    return new Date(now.getTime() - ms);
  }
  const t = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) {
    throw new UsageError(`--since: "${text}" is neither a duration (like 30m, 2h, 1d12h; units s m h d w) nor an ISO time (like 2026-11-29T22:00Z)`);
  }
  return new Date(t);
}

/** Run states where the run has ended and RunbookOutcome, when set, says how (procedure.ts `end`). */
const TEMPORAL_END: Record<'terminated' | 'canceled' | 'timed-out', string> = {
  terminated: 'Terminated',
  canceled: 'Canceled',
  'timed-out': 'TimedOut',
};

/**
 * The visibility query for the filters. Every clause matches exactly the runs that `rowStatus`
 * shows with that status, so `--status X` and the STATUS column never disagree.
 */
export function visibilityQuery(f: ListFilters): string {
  // Only workflows that say which procedure they are (not the internal slots workflow), and
  // not the monitor's earlier runs: it continues as new, its newest run stands for it.
  const clauses = ['RunbookProcedure IS NOT NULL', 'ExecutionStatus != "ContinuedAsNew"'];
  if (f.procedure !== undefined) clauses.push(`RunbookProcedure = "${f.procedure}"`);
  if (f.node !== undefined) clauses.push(`RunbookNode = "${f.node}"`);
  if (f.since !== undefined) clauses.push(`StartTime >= "${f.since.toISOString()}"`);
  if (f.status !== undefined) clauses.push(statusClause(f.status));
  return clauses.join(' AND ');
}

function statusClause(s: ListStatus): string {
  switch (s) {
    case 'running':
      return 'ExecutionStatus = "Running" AND (RunbookAwaitingApproval = false OR RunbookAwaitingApproval IS NULL)';
    case 'awaiting-approval':
      return 'ExecutionStatus = "Running" AND RunbookAwaitingApproval = true';
    case 'completed':
    case 'escalated':
      return `ExecutionStatus != "Running" AND RunbookOutcome = "${s}"`;
    case 'failed':
      return 'ExecutionStatus != "Running" AND (RunbookOutcome = "failed" OR (RunbookOutcome IS NULL AND ExecutionStatus = "Failed"))';
    default:
      return `ExecutionStatus = "${TEMPORAL_END[s]}" AND RunbookOutcome IS NULL`;
  }
}

/**
 * The status of a listed run: while it runs, whether it waits for a human; once ended, the
 * outcome the procedure recorded, else how Temporal ended it (`TIMED_OUT` → `timed-out`).
 */
export function rowStatus(executionStatus: string, outcome: string | undefined, awaitingApproval: boolean | undefined): string {
  if (executionStatus === 'RUNNING') return awaitingApproval ? 'awaiting-approval' : 'running';
  return outcome ?? executionStatus.toLowerCase().replaceAll('_', '-');
}
