// Step machinery shared by every procedure: progress for the `progress` query and the Web UI
// current details, the approval gate, dry runs, search attributes and escalation.
import {
  ApplicationFailure,
  condition,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { approvalTally, approverIdentity } from '../../src/domain/approval-event.js';
import type { Risk } from '../../src/domain/policy.js';
import type { EscalationBundle, ProcedureInput, ProcedureResult } from '../../src/domain/procedure-input.js';
import { moveToRunOrder, type PendingApproval, postmortemHint, type Progress, renderProgress, type StepProgress, stepEntry } from '../../src/domain/progress.js';
import {
  RunbookAwaitingApproval,
  RunbookNode,
  RunbookOutcome,
  RunbookProcedure,
} from '../../src/temporal/search-attributes.js';
import { approveSignal, decideUpdate, type Decision, progressQuery, rejectSignal } from '../messages.js';
import { APPROVAL_EVENTS, approvalEvent, evidenceOf, type GateFacts, sendApprovalEvent } from './approval-notice.js';
import { decisionProblem } from './decision-check.js';
import { errorText } from './error-text.js';
import { approvalDefaults } from './policy-defaults.js';
import { withStep } from './step-context.js';

/** Thrown inside a procedure to stop it and report `escalated` with the §6.2 bundle. */
export class EscalationRequired extends Error {
  override readonly name = 'EscalationRequired';
  constructor(
    readonly reasons: string[],
    readonly bundle?: Partial<EscalationBundle>,
  ) {
    super(reasons.join('; '));
  }
}

interface PendingDecision {
  approved: boolean;
  decision: Decision;
}

export interface StepOptions {
  detail?: string;
  /** Mutating steps never run in a dry run. */
  mutating?: boolean;
}

/** The gate names of a plan: `approve restart p2p` in the plan lets `approve('restart p2p', …)` through. */
export type GateName<S extends string> = S extends `approve ${infer G}` ? G : never;

const now = (): string => new Date().toISOString();

/** Refuses an update with a message for the sender; the workflow itself carries on. */
const refused = (message: string): ApplicationFailure => ApplicationFailure.nonRetryable(message, 'DecisionRefused');

/**
 * One procedure's run. `S` names its steps (the plan, plus steps it may add on the way, such as
 * a voter's restart): a typo is a compile error instead of a new step. A helper that needs some
 * steps asks for `ProcedureRun<'check node'>`, and only runs whose steps include them fit.
 */
// `in S`: a run fits a helper when it has at least the helper's steps, never the reverse.
export class ProcedureRun<in S extends string = string> {
  readonly progress: Progress;
  private decision: PendingDecision | undefined;
  /** Set by the §6.1 guard: nothing is mutated automatically, a human must approve each step. */
  private humanRequired: string | undefined;
  private readonly timeoutMs: number;
  private readonly modes: { low: 'auto' | 'require'; high: 'auto' | 'require' };
  /** Approvals from different people a gate of each risk needs. */
  private readonly minApprovers: { low: number; high: number };
  /** Gates that waited so far: the occurrence a Slack button is bound to. */
  private gates = 0;
  /** The waiting gate's approvals so far, when it needs more than one. */
  private approvals: Array<{ by: string; at: string; comment?: string }> = [];
  private gateStep: StepProgress | undefined;
  /** Approval events in flight; the run waits for them before it ends, never before a step. */
  private notices: Promise<void>[] = [];
  /** Markdown shown under the step list (the incident's child workflows). */
  private appendix = '';
  /** Set when the run ends: from then on the details offer the postmortem command. */
  private closed = false;

  constructor(
    readonly procedure: string,
    readonly input: ProcedureInput,
  ) {
    const defaults = approvalDefaults();
    this.timeoutMs = input.approval?.timeoutMs ?? defaults.timeoutMs;
    this.modes = { ...defaults.modes, ...input.approval?.modes };
    this.minApprovers = { low: 1, high: 1, ...defaults.minApprovers, ...input.approval?.minApprovers };
    this.progress = {
      procedure,
      ...(input.node !== undefined && { node: input.node }),
      ...(input.requestedBy !== undefined && { requestedBy: input.requestedBy }),
      dryRun: input.dryRun === true,
      status: 'running',
      steps: [],
      decisions: [],
    };
    // Handlers are set before the first await so an early signal or query is never lost.
    setHandler(progressQuery, () => this.progress);
    setHandler(approveSignal, (d) => void this.receive(true, d));
    setHandler(rejectSignal, (d) => void this.receive(false, d));
    setHandler(
      decideUpdate,
      async (d) => {
        const pending = this.progress.pendingApproval;
        // A signal may have decided within the same activation, after validation. An
        // ApplicationFailure rejects the update; a plain Error would fail the workflow task.
        if (pending === undefined || !this.receive(d.approve === true, d)) throw refused('the step was decided meanwhile');
        const needed = pending.minApprovers ?? 1;
        return {
          step: pending.step,
          approved: d.approve === true,
          ...(needed > 1 && d.approve === true && { approvals: this.approvals.map((a) => a.by), needed }),
        };
      },
      {
        validator: (d) => {
          // Types first: `"approve": "false"` from a hand-typed payload is truthy, never an approval.
          const problem = decisionProblem(d, true);
          if (problem !== undefined) throw refused(problem);
          const pending = this.progress.pendingApproval;
          if (!pending) throw refused('no step is waiting for approval');
          if (this.decision) throw refused(`step "${pending.step}" is already decided`);
          if (d.step !== undefined && d.step !== pending.step) {
            throw refused(`step "${d.step}" is not waiting for approval (waiting: "${pending.step}")`);
          }
          if (d.occurrence !== undefined && d.occurrence !== pending.occurrence) {
            throw refused(`that request for "${pending.step}" is no longer waiting (a later request for it is)`);
          }
          if (d.approve === true && this.approvedAlready(d.by)) {
            const tally = approvalTally(pending.minApprovers, pending.approvals) ?? '';
            throw refused(`${d.by} has already approved "${pending.step}" (${tally}): another person must approve`);
          }
        },
      },
    );
    upsertSearchAttributes([
      { key: RunbookProcedure, value: procedure },
      ...(input.node !== undefined ? [{ key: RunbookNode, value: input.node }] : []),
      { key: RunbookAwaitingApproval, value: false },
    ]);
    this.render();
  }

  /** From now on every gate waits for a human, whatever the policy or --auto-approve say. */
  requireHuman(reason: string): void {
    this.humanRequired = reason;
  }

  get dryRun(): boolean {
    return this.progress.dryRun;
  }

  /** Records a decision for the waiting step; false when it does not apply (and is ignored). */
  private receive(approved: boolean, d: Decision): boolean {
    const pending = this.progress.pendingApproval;
    // A signal cannot be refused: one that is malformed (anonymous, a non-string step or
    // comment), or for a step that is not waiting, is logged and otherwise ignored.
    const problem = decisionProblem(d, false);
    if (problem !== undefined) {
      log.warn('ignoring a malformed decision', { problem });
      return false;
    }
    if (!pending || (d.step !== undefined && d.step !== pending.step) || (d.occurrence !== undefined && d.occurrence !== pending.occurrence) || this.decision) {
      log.warn('ignoring decision for a step that is not waiting', { step: d.step, by: d.by });
      return false;
    }
    const needed = pending.minApprovers ?? 1;
    if (approved && needed > 1) {
      // Two people means two identities: the same approver twice counts once.
      if (this.approvedAlready(d.by)) {
        log.warn('ignoring a second approval from the same approver', { step: pending.step, by: d.by });
        return false;
      }
      this.approvals.push({ by: d.by, at: now(), ...(d.comment !== undefined && { comment: d.comment }) });
      pending.approvals = this.approvals.map((a) => a.by);
      if (this.approvals.length < needed) {
        if (this.gateStep) this.gateStep.detail = `${pending.detail} (${approvalTally(needed, pending.approvals) ?? ''})`;
        this.render();
        return true;
      }
    }
    this.decision = { approved, decision: d };
    return true;
  }

  private approvedAlready(by: string): boolean {
    const who = approverIdentity(by);
    return this.approvals.some((a) => approverIdentity(a.by) === who);
  }

  /** Waits for the approval events still in flight (the run's ending calls it). */
  async noticesSent(): Promise<void> {
    await Promise.all(this.notices);
  }

  /** Declares steps up front so progress shows the whole plan as pending. */
  plan(names: readonly S[]): void {
    for (const name of names) this.entry(name);
    this.render();
  }

  private entry(name: string): StepProgress {
    return stepEntry(this.progress.steps, name);
  }

  /** A step leaves `pending`: it takes its place in the order things ran. */
  private begin(s: StepProgress): StepProgress {
    moveToRunOrder(this.progress.steps, s);
    return s;
  }

  /** Runs one step, recording its state, and returns what it returned. */
  async step<T>(name: S, fn: () => Promise<T>, opts?: StepOptions & { mutating?: false }): Promise<T>;
  /** A mutating step: in a dry run it is reported, not run, and answers undefined. */
  async step<T>(name: S, fn: () => Promise<T>, opts: StepOptions): Promise<T | undefined>;
  async step<T>(name: S, fn: () => Promise<T>, opts: StepOptions = {}): Promise<T | undefined> {
    const s = this.begin(this.entry(name));
    if (opts.mutating && this.dryRun) {
      this.finish(s, 'skipped', `dry run: would ${opts.detail ?? name}`);
      return undefined;
    }
    s.state = 'running';
    s.startedAt = now();
    if (opts.detail !== undefined) s.detail = opts.detail;
    this.render();
    try {
      // The step's name goes into the summaries of the activities it schedules (§ and node).
      const result = await withStep(name, fn);
      this.finish(s, 'done', s.detail);
      return result;
    } catch (err) {
      this.finish(s, 'failed', errorText(err));
      throw err;
    }
  }

  /** Updates a step's detail while it runs (e.g. poll counts). */
  note(name: S, detail: string): void {
    this.entry(name).detail = detail;
    this.render();
  }

  skip(name: S, reason: string): void {
    const s = this.begin(this.entry(name));
    this.finish(s, 'skipped', reason);
  }

  private finish(s: StepProgress, state: StepProgress['state'], detail?: string): void {
    s.state = state;
    s.startedAt ??= now();
    s.endedAt = now();
    if (detail !== undefined) s.detail = detail;
    this.render();
  }

  /**
   * Approval gate before a disruptive step. Returns when approved (or policy says auto);
   * throws EscalationRequired on reject or timeout: a procedure never proceeds unapproved.
   * In a dry run it records what would be asked and returns (the steps after it are dry too).
   */
  async approve(name: GateName<S>, risk: Exclude<Risk, 'read'>, detail: string): Promise<void> {
    const gate = `approve ${name}`;
    const s = this.begin(this.entry(gate));
    s.risk = risk;
    if (this.dryRun) {
      this.finish(s, 'skipped', `dry run: would ask approval (${risk}) to ${detail}`);
      return;
    }
    if (this.humanRequired !== undefined) {
      detail = `${detail} [approval required: ${this.humanRequired}]`;
    } else if (this.input.approval?.autoApprove || this.modes[risk] === 'auto') {
      this.finish(s, 'done', `auto-approved by policy (${risk}): ${detail}`);
      return;
    }
    const requestedAt = new Date();
    const occurrence = ++this.gates;
    const minApprovers = Math.max(1, this.minApprovers[risk]);
    s.state = 'awaiting-approval';
    s.startedAt = requestedAt.toISOString();
    s.detail = minApprovers > 1 ? `${detail} (${approvalTally(minApprovers, [])})` : detail;
    this.decision = undefined;
    this.approvals = [];
    this.gateStep = s;
    this.progress.status = 'awaiting-approval';
    const pending: PendingApproval & { occurrence: number } = {
      step: gate,
      risk,
      requestedAt: requestedAt.toISOString(),
      deadline: new Date(requestedAt.getTime() + this.timeoutMs).toISOString(),
      detail,
      occurrence,
      ...(minApprovers > 1 && { minApprovers, approvals: [] }),
    };
    this.progress.pendingApproval = pending;
    upsertSearchAttributes([{ key: RunbookAwaitingApproval, value: true }]);
    this.render();
    // DESIGN §12: the approvers hear of it now, not when the gate has timed out. Beside the
    // wait: the activity's retries never hold the gate up.
    const facts: GateFacts | undefined = patched(APPROVAL_EVENTS) ? { progress: this.progress, pending, evidence: evidenceOf(this.progress), minApprovers } : undefined;
    const asked = facts ? sendApprovalEvent(approvalEvent('approval-requested', facts)) : undefined;
    if (asked) this.notices.push(asked);
    // The outcome goes out after the request, so a channel never reads them out of order.
    const tell = (send: () => Promise<void>): void => void this.notices.push((asked ?? Promise.resolve()).then(send));
    const decided = await condition(() => this.decision !== undefined, this.timeoutMs, {
      summary: `approval deadline of "${name}"`,
    });
    delete this.progress.pendingApproval;
    this.gateStep = undefined;
    this.progress.status = 'running';
    upsertSearchAttributes([{ key: RunbookAwaitingApproval, value: false }]);
    if (!decided) {
      // `pending` holds the approvals that came in (receive() updates it), too few to decide.
      if (facts) tell(() => sendApprovalEvent(approvalEvent('approval-timed-out', facts)));
      this.finish(s, 'failed', `no decision within ${Math.round(this.timeoutMs / 1000)} s`);
      throw new EscalationRequired([`approval for "${name}" timed out after ${Math.round(this.timeoutMs / 60_000)} min`]);
    }
    const { approved, decision } = this.decision!;
    // Workflow time: the moment the decision was handled, the same on every replay.
    const at = now();
    const final = { by: decision.by, at, ...(decision.comment !== undefined && { comment: decision.comment }) };
    // With more than one approver each approval is its own record; the last one is `final`.
    const records = approved && minApprovers > 1 ? this.approvals : [...this.approvals, final];
    for (const r of records) this.progress.decisions.push({ step: gate, approved: r !== final || approved, ...r });
    // A rejection names the one who rejected; approvals that came before it are in `decisions`.
    const who = (approved ? records : [final])
      .map((r) => `${r.by} at ${r.at}${r.comment ? `: ${r.comment}` : ''}`)
      .join(', ');
    if (facts) {
      const approvals = this.approvals.map((a) => a.by);
      tell(() =>
        sendApprovalEvent(
          approvalEvent('approval-decided', facts, { approved, by: approved && minApprovers > 1 ? approvals.join(', ') : decision.by, at, approvals, ...(decision.comment !== undefined && { comment: decision.comment }) }),
        ),
      );
    }
    if (!approved) {
      this.finish(s, 'failed', `rejected by ${who}`);
      throw new EscalationRequired([`"${name}" rejected by ${decision.by}`]);
    }
    this.finish(s, 'done', `approved by ${who}`);
  }

  /** Ends the run: it did what it is for (or found nothing to do). */
  complete<T>(summary: string, details?: T): ProcedureResult<T> {
    return this.end('completed', summary, details);
  }

  /**
   * Ends the run: a human must take over (§6). The §6.2 bundle rides along when there is one;
   * diagnose escalates with its report instead.
   */
  escalate<T>(summary: string, bundle?: EscalationBundle, details?: T): ProcedureResult<T> {
    const result = this.end('escalated', summary, details);
    if (bundle !== undefined) result.escalation = bundle;
    return result;
  }

  /** Sets the markdown shown under the step list in the Web UI's current details (already escaped). */
  setAppendix(markdown: string): void {
    this.appendix = markdown;
    this.render();
  }

  /** Marks the run failed; the caller then rethrows, so `runbook retry` can reset it. */
  fail(): void {
    this.progress.status = 'failed';
    upsertSearchAttributes([{ key: RunbookOutcome, value: 'failed' }]);
    this.closed = true;
    this.render();
  }

  private end<T>(status: ProcedureResult['status'], summary: string, details?: T): ProcedureResult<T> {
    this.progress.status = status;
    for (const s of this.progress.steps) if (s.state === 'pending') s.state = 'skipped';
    upsertSearchAttributes([{ key: RunbookOutcome, value: status }]);
    this.closed = true;
    this.render(summary);
    return {
      procedure: this.procedure,
      ...(this.input.node !== undefined && { node: this.input.node }),
      status,
      summary,
      dryRun: this.dryRun,
      ...(this.input.requestedBy !== undefined && { requestedBy: this.input.requestedBy }),
      decisions: [...this.progress.decisions],
      ...(details !== undefined && { details }),
    };
  }

  /**
   * Web UI "current details", kept current on every change. User metadata, not a command: a
   * change to what it says needs no patched() and replays against every recorded history.
   */
  private render(summary?: string): void {
    const { workflowId } = workflowInfo();
    const appendix = this.closed ? [this.appendix, postmortemHint(workflowId)].filter(Boolean).join('\n\n') : this.appendix;
    setCurrentDetails(renderProgress(this.progress, workflowId, summary, appendix));
  }
}
