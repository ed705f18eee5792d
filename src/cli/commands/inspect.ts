// `runbook status`, `runbook list`, `runbook approve|reject`: watch and decide.
import type { Command } from 'commander';
import type { Progress } from '../../domain/progress.js';
import { UsageError } from '../errors.js';
import { formatRunList, formatStatus } from '../format.js';
import type { ListFlags } from '../list-filters.js';
import { DEFAULT_LIST_LIMIT, LIST_STATUSES, parseListFlags } from '../list-filters.js';

export function registerInspectCommands(program: Command): void {
  program
    .command('status')
    .description('show a procedure: escalation reasons, who decided what, its steps, an incident\'s children')
    .argument('<workflowId>')
    .option('--json', 'print the progress query: {"procedure","status","steps":[…],"decisions":[…],"pendingApproval"?,"children"?}')
    .action(async (workflowId: string, flags: { json?: boolean }) => {
      // Loaded on use: the Temporal client stays out of `runbook --help` (DESIGN §10).
      const { connectClient } = await import('../../client/connect.js');
      const { readStatusView } = await import('../status-view.js');
      const { progressQuery } = await import('../../../workflows/messages.js');
      const { client } = await connectClient();
      if (flags.json) {
        let progress: Progress;
        try {
          progress = await client.workflow.getHandle(workflowId).query(progressQuery);
        } catch (err) {
          throw new UsageError(`cannot query ${workflowId}: ${(err as Error).message}`);
        }
        console.log(JSON.stringify(progress, null, 2));
        return;
      }
      console.log(formatStatus(await readStatusView(client, workflowId)));
    });

  program
    .command('list')
    .description('list procedures, incidents and the monitor, newest first')
    .option('--procedure <name>', 'only this procedure (or connectivity-incident, health-monitor)')
    .option('--node <name>', 'only runs on this node')
    .option('--status <status>', `only runs in this state: ${LIST_STATUSES.join('|')}`)
    .option('--since <when>', 'only runs started since: a duration back from now (30m, 2h, 1d) or an ISO time')
    .option('--awaiting-approval', 'only running procedures that wait for a human (= --status awaiting-approval)')
    .option('--json', 'print [{workflowId, procedure, node, status, startedAt, closedAt?, waitingOn?, parentWorkflowId?}]')
    .option('--limit <n>', 'at most this many', String(DEFAULT_LIST_LIMIT))
    .action(async (flags: ListFlags & { json?: boolean }) => {
      // Flags first: a typo fails before any connection is tried.
      const filters = parseListFlags(flags, new Date());
      const { connectClient } = await import('../../client/connect.js');
      const { listRuns } = await import('../list-runs.js');
      const { client } = await connectClient();
      const runs = await listRuns(client, filters);
      console.log(flags.json ? JSON.stringify(runs, null, 2) : formatRunList(runs, new Date()));
    });

  for (const verb of ['approve', 'reject'] as const) {
    program
      .command(verb)
      .description(`${verb} the step a procedure is waiting on (validated: fails when nothing waits)`)
      .argument('<workflowId>')
      .option('--step <name>', 'the step to decide (default: the one waiting now)')
      .requiredOption('--by <who>', 'who decides (recorded in history)')
      .option('--comment <text>', 'why')
      .action(async (workflowId: string, flags: { step?: string; by: string; comment?: string }) => {
        const { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } = await import('@temporalio/client');
        const { connectClient } = await import('../../client/connect.js');
        const { approveSignal, decideUpdate, rejectSignal } = await import('../../../workflows/messages.js');
        const { client } = await connectClient();
        const handle = client.workflow.getHandle(workflowId);
        const decision = {
          approve: verb === 'approve',
          by: flags.by,
          ...(flags.step !== undefined && { step: flags.step }),
          ...(flags.comment !== undefined && { comment: flags.comment }),
        };
        try {
          // An update is validated by the workflow, so it needs a worker to answer.
          const r = await client.withDeadline(Date.now() + UPDATE_WAIT_MS, () => handle.executeUpdate(decideUpdate, { args: [decision] }));
          // With min_approvers above 1 an approval may be one of several: say how many are in.
          const { approvalTally } = await import('../../domain/approval-event.js');
          const tally = r.approved && r.needed !== undefined && (r.approvals?.length ?? 0) < r.needed ? approvalTally(r.needed, r.approvals) : undefined;
          console.log(
            tally !== undefined
              ? `approval of "${r.step}" of ${workflowId} recorded: ${tally}; another person must approve`
              : `${r.approved ? 'approved' : 'rejected'} "${r.step}" of ${workflowId}`,
          );
        } catch (err) {
          if (err instanceof WorkflowUpdateFailedError) {
            throw new UsageError(`${workflowId}: ${err.cause?.message ?? err.message}`);
          }
          if (!(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) && !isDeadlineExceeded(err)) {
            throw new UsageError(`${workflowId}: ${(err as Error).message}`);
          }
          // No worker runs (a deploy, a crash): the server still records a signal durably, and
          // the workflow applies it when a worker is back — only to the step it names, so a
          // late decision can never approve a later gate.
          if (flags.step === undefined) {
            throw new UsageError(
              `${workflowId}: no worker answered within ${UPDATE_WAIT_MS / 1000} s (is one running?). To record the ` +
                `decision now, for when a worker runs, name the waiting step: --step '<step>' (shown in the Web UI)`,
            );
          }
          await handle.signal(verb === 'approve' ? approveSignal : rejectSignal, decision);
          console.log(
            `no worker answered within ${UPDATE_WAIT_MS / 1000} s: ${verb === 'approve' ? 'approval' : 'rejection'} of "${flags.step}" ` +
              `recorded as a signal in ${workflowId}; it applies when a worker runs, if that step is still waiting`,
          );
        }
      });
  }
}

/**
 * How long approve/reject wait for a worker to validate the decision before recording a signal:
 * longer than the sticky-queue timeout (10 s), after which another worker takes over a dead one's run.
 */
const UPDATE_WAIT_MS = 30_000;

function isDeadlineExceeded(err: unknown): boolean {
  // gRPC status 4 (DEADLINE_EXCEEDED), possibly wrapped by the SDK.
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 4) return true;
  }
  return false;
}
