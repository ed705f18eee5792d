// A shell session on one node: its working directory, environment and exit status, and how a
// session ends (the `exit` builtin, a signal from `pkill`, a cut connection).
import type { SimNode } from '../state-types.js';
import type { Session, Sink } from './types.js';

export const HOME = '/home/ubuntu';

export const DEV_NULL: Sink = { write: () => undefined };

const SIGNAL_NUMBERS: Record<string, number> = { HUP: 1, INT: 2, KILL: 9, TERM: 15 };

/** Exit status a shell reports for a child killed by `signal` (bash: 128 + n). */
export function signalStatus(signal: string): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 15);
}

/** The session runs nothing more: its connection was cut or its shell was signalled. */
export function halted(s: Session): boolean {
  return s.killed || s.signal !== undefined;
}

/** Thrown by the `exit` builtin; the run loop turns it into the script's exit status. */
export class ExitRequest {
  constructor(readonly code: number) {}
}

export function newSession(node: SimNode, via: Session['via']): Session {
  return {
    node,
    via,
    cwd: HOME,
    env: new Map([
      ['HOME', HOME],
      ['USER', 'ubuntu'],
      ['SHELL', '/bin/bash'],
      ['PATH', '/usr/local/bin:/usr/bin:/bin'],
    ]),
    status: 0,
    killed: false,
  };
}
