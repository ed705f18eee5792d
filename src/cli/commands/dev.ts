import type { Command } from 'commander';
export function registerDevCommand(program: Command): void {
  program.command('dev').description('embedded stack (placeholder)');
}
