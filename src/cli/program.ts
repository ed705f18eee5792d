// Builds the `runbook` command tree. Each command lives in its own module under commands/.
import { Command } from 'commander';
import { registerConfigCommands } from './commands/config.js';
import { registerDevCommand } from './commands/dev.js';
import { registerInspectCommands } from './commands/inspect.js';
import { registerMonitorCommands } from './commands/monitor.js';
import { registerPostmortemCommand } from './commands/postmortem.js';
import { registerReplayCommands } from './commands/replay.js';
import { registerRehearseCommand } from './commands/rehearse.js';
import { registerRunCommands } from './commands/run.js';
import { registerSimCommands } from './commands/sim.js';
import { registerWatchCommand } from './commands/watch.js';
import { registerWebhookCommand } from './commands/webhook.js';
import { registerWorkerCommand } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command('runbook')
    .description(
      'Runbook automation on Temporal for the ClusterConnectivityDegraded runbook.\n' +
        'Every procedure of the runbook runs as a durable workflow; see docs/README.md.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDevCommand(program);
  registerWorkerCommand(program);
  registerWebhookCommand(program);
  registerRunCommands(program);
  registerWatchCommand(program);
  registerInspectCommands(program);
  registerMonitorCommands(program);
  registerReplayCommands(program);
  registerPostmortemCommand(program);
  registerRehearseCommand(program);
  registerConfigCommands(program);
  registerSimCommands(program);
  return program;
}
