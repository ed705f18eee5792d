// A child process that may have children of its own (`runbook dev` starts a Temporal dev server
// and a simulator; `runbook` under tsx starts an esbuild service; sshd forks per connection),
// started in its own process group so that ending it ends all of them. Signalling only the
// parent (SIGKILL above all) leaves its children running with their parent gone: a Temporal dev
// server on a temporary database, still running after the suite.
//
// Every process started here is recorded in the run's registry (test/helpers/leftovers.ts); the
// globalSetup teardown fails, naming it, when any of them is still running after the suite.
import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { processStart, recordStarted } from './leftovers.js';

/** Groups started by this worker and not yet seen ended, with their leader's start time. */
const live = new Map<number, number | undefined>();
let interruptHookInstalled = false;

/**
 * A group of its own no longer gets the terminal's Ctrl-C: vitest's main process and its workers
 * do, and exit at once (no teardown). So on SIGINT this worker kills what it still has running,
 * then dies of the SIGINT as it would have without this hook. Only on SIGINT: a worker's normal
 * end must not hide a leak from the end-of-suite check.
 */
function installInterruptHook(): void {
  if (interruptHookInstalled) return;
  interruptHookInstalled = true;
  process.once('SIGINT', () => {
    for (const [pgid, start] of live) {
      // A leader with another start time is a reused pid, not ours (the leader gone, its group still is).
      const now = processStart(pgid);
      if (now === undefined || now === start) signalGroup(pgid, 'SIGKILL');
    }
    process.kill(process.pid, 'SIGINT');
  });
}

export interface GroupProcess {
  readonly child: ChildProcess;
  /** The leader's pid, which is also the group's id. */
  readonly pid: number;
  /** Everything it printed so far, stdout and stderr interleaved (empty when not piped). */
  output(): string;
  /** The leader's exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /**
   * Ends the whole group: `signal` (SIGINT, as Ctrl-C would) to every member, then SIGKILL to
   * whatever is left after `graceMs`. Resolves once no member of the group is left. Safe to
   * call on any path, any number of times, also when everything already exited.
   */
  stop(o?: StopOptions): Promise<void>;
}

export interface StopOptions {
  signal?: NodeJS.Signals;
  /** How long the group has to exit by itself before SIGKILL. */
  graceMs?: number;
}

/** The group still has a member (a zombie leader not yet reaped by Node counts too). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    // ESRCH: everybody already gone, which is what we want.
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

async function groupGoneWithin(pgid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Spawns `command` as the leader of a new process group (`detached: true`, never unref'd: the
 * test holds it until stop()). Options are `spawn`'s.
 */
export function spawnInGroup(command: string, args: readonly string[], options: SpawnOptions = {}): GroupProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid === undefined) {
    // The spawn failed (ENOENT, EACCES); `error` says why. No group to end.
    let why = '';
    const exited = new Promise<null>((resolve) =>
      child.once('error', (e) => {
        why = `spawn ${command} failed: ${e.message}\n`;
        resolve(null);
      }),
    );
    return { child, pid: -1, output: () => why, exited, stop: async () => undefined };
  }
  const pid = child.pid;
  const start = recordStarted(pid, [command, ...args].join(' '));
  live.set(pid, start);
  installInterruptHook();
  // Once the group is seen empty after the leader exited, its id may be reused: never signal it again.
  let gone = false;
  const ended = (): void => {
    gone = true;
    live.delete(pid);
  };
  /** The group is still ours: its leader is gone, or is the process we started (not a reused pid). */
  const ours = (): boolean => {
    const now = processStart(pid);
    return now === undefined || now === start;
  };
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  let leaderExited = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      leaderExited = true;
      if (!groupAlive(pid)) ended();
      resolve(code);
    }),
  );
  const stop = async ({ signal = 'SIGINT', graceMs = 10_000 }: StopOptions = {}): Promise<void> => {
    if (gone) return;
    if (groupAlive(pid) && ours()) {
      signalGroup(pid, signal);
      if (!(await groupGoneWithin(pid, graceMs))) {
        signalGroup(pid, 'SIGKILL');
        if (!(await groupGoneWithin(pid, 10_000))) throw new Error(`process group ${pid} (${command}) survived SIGKILL`);
      }
    }
    // The leader's exit event comes once Node reaped it (the group is empty only after that).
    if (!leaderExited) await exited;
    ended();
  };
  return { child, pid, output: () => out, exited, stop };
}

/** The last `n` lines of `text`, to put in a failure message. */
export function tail(text: string, n = 40): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const shown = lines.slice(-n).join('\n');
  return lines.length > n ? `(last ${n} of ${lines.length} lines)\n${shown}` : shown;
}
