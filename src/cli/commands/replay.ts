// `runbook replay` and `runbook retry`: check past runs against the current code, and re-run
// a failed recovery from just before the step that failed.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type proto from '@temporalio/proto';
import { ProcedureFailedError, UsageError } from '../errors.js';

export function registerReplayCommands(program: Command): void {
  program
    .command('replay')
    .description(
      'replay a past run against the current workflow code; exit 1 on a nondeterminism error\n' +
        '(a code change that needs patched()). Takes a workflow ID or a history JSON file.',
    )
    .argument('<workflowIdOrFile>', 'workflow ID, or a file from `temporal workflow show --output json`')
    .option('--verbose', "also print webpack's bundle report and the replay worker's logs")
    .action(async (target: string, flags: { verbose?: boolean }) => {
      let history: unknown;
      let workflowId = target;
      if (target.endsWith('.json')) {
        try {
          history = JSON.parse(readFileSync(target, 'utf8'));
        } catch (err) {
          throw new UsageError(`cannot read history ${target}: ${(err as Error).message}`);
        }
        workflowId = `replay-${target}`;
      } else {
        // Loaded on use: the Temporal client stays out of `runbook --help` (DESIGN §10).
        const { connectClient } = await import('../../client/connect.js');
        const { client } = await connectClient();
        history = await client.workflow.getHandle(target).fetchHistory();
      }
      const { installReplayRuntime, replayHistory } = await import('../../worker/replay.js');
      // The operator asked for a verdict: bundling and worker state lines only on request.
      installReplayRuntime(flags.verbose === true);
      const outcome = await replayHistory(workflowId, history);
      if (outcome.ok) {
        console.log(`${target}: replays cleanly against the current code`);
      } else {
        throw new ProcedureFailedError(`${target}: replay failed: ${outcome.error}`);
      }
    });

  program
    .command('retry')
    .description('reset a failed run to just before the step that failed, as a new run of the same workflow')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const { default: proto } = await import('@temporalio/proto');
      const { default: Long } = await import('long');
      const { connectClient } = await import('../../client/connect.js');
      const { resetPointBeforeFailure } = await import('../../client/reset-point.js');
      const { workflowUrl } = await import('../../temporal/settings.js');
      const { client, settings } = await connectClient();
      const handle = client.workflow.getHandle(workflowId);
      const desc = await handle.describe();
      if (!['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED'].includes(desc.status.name)) {
        // Escalated and completed runs ended on purpose: start a new run instead.
        throw new UsageError(`${workflowId} is ${desc.status.name.toLowerCase()}; only a failed run can be retried`);
      }
      const history = await handle.fetchHistory();
      const point = resetPointBeforeFailure(history.events ?? []);
      if (point === undefined) throw new UsageError(`${workflowId} has no failed step to retry from`);
      const reply: proto.temporal.api.workflowservice.v1.IResetWorkflowExecutionResponse = await client.workflowService.resetWorkflowExecution({
        namespace: settings.namespace,
        workflowExecution: { workflowId, runId: desc.runId },
        reason: `runbook retry: from before ${point.failedActivity}`,
        workflowTaskFinishEventId: Long.fromNumber(point.eventId),
        requestId: `retry-${workflowId}-${desc.runId}-${point.eventId}`,
        resetReapplyType: proto.temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL,
      });
      const slot = point.asksForSlotAgain ? ' (it had given back its remediation slot: the new run asks for it again first)' : '';
      console.log(`reset ${workflowId} to before ${point.failedActivity}: new run ${reply.runId}${slot}`);
      console.log(`  ${workflowUrl(settings, workflowId, reply.runId ?? undefined)}`);
    });
}
