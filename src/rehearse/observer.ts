// Watches every workflow running on the twin's own Temporal server: prints each step as it
// changes, and approves each gate that waits for a person (the configured policy decides which
// do), recording what was asked and who would have been asked. Only the twin's server is ever
// asked, so listing "everything running" there is listing this rehearsal.
import type { Client } from '@temporalio/client';
import type { PendingApproval, Progress, StepProgress } from '../domain/progress.js';
import type { RunbookPolicy } from '../domain/policy.js';
import { approveSignal, progressQuery } from '../../workflows/messages.js';
import { wouldAsk } from './policy.js';

export interface ApprovalRecord {
  workflowId: string;
  procedure: string;
  node?: string;
  step: string;
  risk: string;
  /** What the step would do, as the approver would have read it. */
  detail: string;
  /** Who a real run would ask. */
  wouldAsk: string;
  /** Recorded in the workflow's history as the approver. */
  by: string;
}

export interface WorkflowSeen {
  workflowId: string;
  procedure: string;
  node?: string;
  status: Progress['status'];
  steps: StepProgress[];
}

/** Workflows without a `progress` query (the blast-radius semaphore). */
const SILENT_TYPES = new Set(['remediationSlots']);
const POLL_MS = 300;
/** A gate still waiting this long after an approval needs another person (min_approvers). */
const REAPPROVE_MS = 2000;

export class TwinObserver {
  readonly approvals: ApprovalRecord[] = [];
  readonly seen = new Map<string, WorkflowSeen>();
  /** Per waiting gate: approvals sent and when the last one went. */
  private readonly sent = new Map<string, { count: number; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly client: Client,
    /** Only this case's workflows: earlier cases' workers are gone, a query to theirs would hang. */
    private readonly taskQueue: string,
    private readonly policy: RunbookPolicy,
    private readonly say: (line: string) => void,
  ) {}

  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      this.pass = this.poll(true).finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, POLL_MS);
      });
    };
    tick();
  }

  /** Stops polling, then reads every workflow once more (closed ones too) for their final steps. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
    await this.poll(false).catch(() => undefined);
  }

  /** `running`: the live pass, which also approves; else the final read of every workflow of the case. */
  private async poll(running: boolean): Promise<void> {
    try {
      const ids: Array<{ id: string; type: string }> = [];
      const query = `TaskQueue = "${this.taskQueue}"${running ? ' AND ExecutionStatus = "Running"' : ''}`;
      for await (const w of this.client.workflow.list({ query })) {
        if (!SILENT_TYPES.has(w.type)) ids.push({ id: w.workflowId, type: w.type });
      }
      await Promise.all(ids.map((w) => this.look(w.id, w.type, running)));
    } catch {
      // The server may be going away (Ctrl-C); the next pass or the final one reads again.
    }
  }

  private async look(workflowId: string, type: string, act: boolean): Promise<void> {
    let p: Progress;
    try {
      p = await this.client.workflow.getHandle(workflowId).query(progressQuery);
    } catch {
      return;
    }
    const before = this.seen.get(workflowId);
    const who = `${p.procedure ?? type}${p.node !== undefined ? ` on ${p.node}` : ''}`;
    for (const s of p.steps) {
      const old = before?.steps.find((x) => x.name === s.name);
      if (s.state !== 'pending' && (old === undefined || old.state !== s.state || old.detail !== s.detail)) {
        this.say(`  [${who}] ${s.name}: ${s.state}${s.detail !== undefined ? ` (${s.detail})` : ''}`);
      }
    }
    this.seen.set(workflowId, { workflowId, procedure: p.procedure ?? type, ...(p.node !== undefined && { node: p.node }), status: p.status, steps: p.steps });
    if (act && p.pendingApproval !== undefined) await this.approve(workflowId, p, p.pendingApproval);
  }

  /** One approval per pass while the gate waits, each by a distinct name (a gate may need two people). */
  private async approve(workflowId: string, p: Progress, pending: PendingApproval): Promise<void> {
    const key = `${workflowId}\u0000${pending.step}\u0000${pending.requestedAt}`;
    const last = this.sent.get(key);
    // The signal takes a moment to land: ask again only when the gate still waits well after.
    if (last !== undefined && Date.now() - last.at < REAPPROVE_MS) return;
    const n = (last?.count ?? 0) + 1;
    this.sent.set(key, { count: n, at: Date.now() });
    const by = n === 1 ? 'rehearsal' : `rehearsal#${n}`;
    await this.client.workflow
      .getHandle(workflowId)
      .signal(approveSignal, { step: pending.step, by, comment: 'approved automatically on the twin by runbook rehearse' });
    if (n === 1) {
      const asked = wouldAsk(this.policy, pending.risk);
      this.approvals.push({
        workflowId,
        procedure: p.procedure,
        ...(p.node !== undefined && { node: p.node }),
        step: pending.step,
        risk: pending.risk,
        detail: pending.detail,
        wouldAsk: asked,
        by,
      });
      this.say(`  [${p.procedure}${p.node !== undefined ? ` on ${p.node}` : ''}] approval "${pending.step}" (${pending.risk}): approved by the rehearsal; would ask ${asked}`);
    }
  }

  /** Steps that ran (done or failed) across every workflow seen. */
  stepsRan(): number {
    let n = 0;
    for (const w of this.seen.values()) n += w.steps.filter((s) => s.state === 'done' || s.state === 'failed').length;
    return n;
  }
}
