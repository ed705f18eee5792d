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
        const { WorkflowUpdateFailedError } = await import('@temporalio/client');
        const { connectClient } = await import('../../client/connect.js');
        const { decideUpdate } = await import('../../../workflows/messages.js');
        const { client } = await connectClient();
        try {
          const r = await client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, {
            args: [
              {
                approve: verb === 'approve',
                by: flags.by,
                ...(flags.step !== undefined && { step: flags.step }),
                ...(flags.comment !== undefined && { comment: flags.comment }),
              },
            ],
          });
          console.log(`${r.approved ? 'approved' : 'rejected'} "${r.step}" of ${workflowId}`);
        } catch (err) {
          if (err instanceof WorkflowUpdateFailedError) {
            throw new UsageError(`${workflowId}: ${err.cause?.message ?? err.message}`);
          }
          throw new UsageError(`${workflowId}: ${(err as Error).message}`);
        }
      });
  }
}
