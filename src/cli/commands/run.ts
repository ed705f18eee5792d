// `runbook run <procedure>` and `runbook diagnose`: the command definitions. The work is in
// run-action.ts, imported when the command runs.
import type { Command } from 'commander';
import { PROCEDURES } from '../../../workflows/registry.js';
import type { RunFlags } from './run-action.js';

const startProcedure = async (procedure: string, flags: RunFlags): Promise<void> =>
  (await import('./run-action.js')).startProcedure(procedure, flags);

export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .summary('start a procedure (diagnose, restart-p2p, fix-tailscale, …) as a workflow')
    .description(
      'start a procedure as a workflow and print its ID and Web UI link. Procedures:\n' +
        Object.entries(PROCEDURES)
          .map(([name, p]) => `  ${name.padEnd(16)} ${p.section.padEnd(9)} ${p.risk.padEnd(5)} ${p.summary}`)
          .join('\n'),
    )
    .argument('<procedure>', 'procedure name (see above)')
    .option('--node <name>', 'node to act on (from the hosts file)')
    .option('--dry-run', 'plan and report every step without running a mutating one')
    .option('--auto-approve', 'approve every gated step (an explicit operator decision)')
    .option('--wait', 'wait for the result; exit 1 when it failed or escalated')
    .option('--json', 'print {"workflowId","runId","url","status","result"?}')
    .option('--config <file>', 'hosts file used to check --node (default: $RUNBOOK_CONFIG, the dev stack, config/)')
    .option('--policy <file>', 'runbook policy (default config/runbook.yaml)')
    .option('--by <who>', 'who asks, recorded as requestedBy (default: the OS user)')
    .action((procedure: string, flags: RunFlags) => startProcedure(procedure, flags));

  program
    .command('diagnose')
    .description('run the diagnose workflow (§3) and print the report; exit 1 when it says escalate')
    .option('--json', 'print the report as JSON (docs/reference/findings.md)')
    .option('--policy <file>', 'runbook policy (default config/runbook.yaml)')
    .option('--by <who>', 'who asks, recorded as requestedBy (default: the OS user)')
    .action(async (flags: { json?: boolean; policy?: string; by?: string }) => {
      await startProcedure('diagnose', {
        wait: true,
        ...(flags.by !== undefined && { by: flags.by }),
        ...(flags.policy !== undefined && { policy: flags.policy }),
        ...(flags.json && { json: true, bareJson: true }),
      });
    });
}
