// The dispatch table: every command the simulated shell knows, one module per group.
// Anything not listed is `bash: X: command not found` (exit 127).
import type { Command } from '../types.js';
import { BUILTINS } from './builtins.js';
import { CURL } from './curl.js';
import { FILE_COMMANDS } from './files.js';
import { HOST_INFO } from './host-info.js';
import { PROCESS_TOOLS } from './processes.js';
import { PYTHON } from './python.js';
import { SYSTEMCTL } from './systemctl.js';
import { TAILSCALE } from './tailscale.js';
import { TEXT_FILTERS } from './text.js';
import { WRAPPERS } from './wrappers.js';

export const COMMANDS: Readonly<Record<string, Command>> = {
  ...BUILTINS,
  ...WRAPPERS,
  ...HOST_INFO,
  ...FILE_COMMANDS,
  ...TEXT_FILTERS,
  ...PROCESS_TOOLS,
  ...PYTHON,
  ...SYSTEMCTL,
  ...TAILSCALE,
  ...CURL,
};

/** The command called `name`, if the shell knows one (own keys only: `constructor` is not a command). */
export function lookupCommand(name: string): Command | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}
