// `runbook status`, `runbook list`, `runbook approve|reject`: watch and decide.
import type { Command } from 'commander';
import type { Progress } from '../../domain/progress.js';
import { UsageError } from '../errors.js';
import { formatProgress } from '../format.js';

export function registerInspectCommands(program: Command): void {
  program
    .command('status')
    .description('show a procedure\'s steps (the `progress` query)')
    .argument('<workflowId>')
    .option('--json', 'print {"procedure","status","steps":[…],"pendingApproval"?}')
    .action(async (workflowId: string, flags: { json?: boolean }) => {
      // Loaded on use: the Temporal client stays out of `runbook --help` (DESIGN §10).
      const { connectClient } = await import('../../client/connect.js');
      const { progressQuery } = await import('../../../workflows/messages.js');
      const { client } = await connectClient();
      let progress: Progress;
      try {
        progress = await client.workflow.getHandle(workflowId).query(progressQuery);
      } catch (err) {
        throw new UsageError(`cannot query ${workflowId}: ${(err as Error).message}`);
      }
      console.log(flags.json ? JSON.stringify(progress, null, 2) : formatProgress(progress));
    });

  program
    .command('list')
    .description('list procedures (newest first)')
    .option('--awaiting-approval', 'only running procedures that wait for a human')
    .option('--json', 'print [{workflowId, procedure, node, status}]')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (flags: { awaitingApproval?: boolean; json?: boolean; limit: string }) => {
      const { connectClient } = await import('../../client/connect.js');
      const { RunbookAwaitingApproval, RunbookNode, RunbookOutcome, RunbookProcedure } = await import('../../temporal/search-attributes.js');
      const { client } = await connectClient();
      const query = flags.awaitingApproval
        ? `${RunbookAwaitingApproval.name} = true AND ExecutionStatus = "Running"`
        : `${RunbookProcedure.name} IS NOT NULL`;
      const rows: Array<{ workflowId: string; procedure: string; node: string | null; status: string }> = [];
      for await (const wf of client.workflow.list({ query })) {
        const sa = wf.typedSearchAttributes;
        const outcome = sa.get(RunbookOutcome);
        const waiting = sa.get(RunbookAwaitingApproval);
        const status =
          wf.status.name === 'RUNNING' ? (waiting ? 'awaiting-approval' : 'running') : (outcome ?? wf.status.name.toLowerCase());
        rows.push({
          workflowId: wf.workflowId,
          procedure: sa.get(RunbookProcedure) ?? wf.type,
          node: sa.get(RunbookNode) ?? null,
          status,
        });
        if (rows.length >= Number(flags.limit)) break;
      }
      if (flags.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) console.log('no procedures');
      for (const r of rows) console.log(`${r.status.padEnd(18)} ${r.procedure.padEnd(16)} ${(r.node ?? '-').padEnd(24)} ${r.workflowId}`);
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
          console.log(`${r.approved ? 'approved' : 'rejected'} "${r.step}" of ${workflowId}`);
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
