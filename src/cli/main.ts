// Entry point of the `runbook` CLI: parse, run, map errors to the exit codes of DESIGN §5.
import { CommanderError } from 'commander';
import { TemporalConnectError } from '../client/errors.js';
import { ConfigError } from '../config/errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, ProcedureFailedError, UsageError } from './errors.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Commander's own exits (help, version, usage) go through exitOverride as CommanderError.
  program.commands.forEach(function override(cmd): void {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  });
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? EXIT_OK : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return EXIT_OK;
      }
      return EXIT_USAGE;
    }
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof TemporalConnectError) {
      console.error(`runbook: ${err.message}`);
      return EXIT_USAGE;
    }
    if (err instanceof ProcedureFailedError) {
      console.error(`runbook: ${err.message}`);
      return EXIT_FAILED;
    }
    console.error(err);
    return EXIT_FAILED;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(EXIT_FAILED);
  },
);
