// `runbook postmortem <workflowId>`: a postmortem draft from the durable histories of a run and
// its children (DESIGN §13). The work is in postmortem-action.ts, imported when the command runs,
// so the Temporal client stays out of `runbook --help` (DESIGN §10).
import type { Command } from 'commander';

export function registerPostmortemCommand(program: Command): void {
  program
    .command('postmortem')
    .description(
      'write a Markdown postmortem draft of an incident, a procedure run or a health-monitor recovery, ' +
        'built only from the histories of the run and its children (a closed run needs no worker)',
    )
    .argument('<workflowId>', 'the incident (or any run) to write up')
    .option('--out <file>', 'write the draft to this file instead of stdout')
    .option('--json', 'the same content as data: {workflowId, kind, title, summary, impact, keyTimes, timeline, automation, people, escalations, followUps}')
    .action(async (workflowId: string, flags: { out?: string; json?: boolean }) => (await import('./postmortem-action.js')).writePostmortem(workflowId, flags));
}
