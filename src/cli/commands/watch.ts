// `runbook watch <workflowId>`: follow a procedure someone else started (or one whose `run
// --wait` was stopped with Ctrl-C) until it closes. The work is in watch-action.ts, imported
// when the command runs, so the Temporal client stays out of `runbook --help` (DESIGN §10).
import type { Command } from 'commander';

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description(
      'show a workflow\'s steps as they happen until it closes, then its result (exit 1 when it failed or escalated); ' +
        'Ctrl-C stops watching, never the workflow',
    )
    .argument('<workflowId>')
    .option('--json', 'print {"workflowId","runId","url","status","result"} at the end, as `run --wait --json` does')
    .action(async (workflowId: string, flags: { json?: boolean }) => (await import('./watch-action.js')).watchWorkflow(workflowId, flags));
}
