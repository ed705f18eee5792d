// Processes the suite started and left running. Vitest runs each test file in a forked worker,
// so what a file started is recorded in a registry under the run's shared log directory
// (test/helpers/test-logs.ts): one JSON line per process group, with the leader's start time so
// that a reused pid (pid_max can be as low as 32768) is never mistaken for ours.
//
// After the suite, a process counts as left over when it is a registered leader still running
// (same pid, same start time), or any other process that carries this run's RUNBOOK_TEST_LOG_DIR
// in its environment: every process the suite starts inherits it, also those not started
// through the registry (a server started by src/ code, a program `script` runs in its own
// session, a careless spawn). The registry then says which test file started its group.
// Linux only (/proc); elsewhere the check says it did not run.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TEST_LOG_DIR_ENV } from './test-logs.js';

const PROCESSES_SUBDIR = 'processes';

interface Registered {
  pid: number;
  /** /proc start time of the leader, in clock ticks since boot. */
  start: number | undefined;
  command: string;
  file: string;
}

export interface Leftover {
  pid: number;
  pgid: number;
  command: string;
  /** Which test file started its group, or how it was recognised. */
  origin: string;
}

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  start: number;
}

function procStat(pid: number): ProcInfo | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces or parentheses.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), pgid: Number(rest[2]), start: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ') || '(no command line: exiting)';
  } catch {
    return '(gone)';
  }
}

function hasEnv(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry);
  } catch {
    return false; // another user's process (not root), or gone
  }
}

/** The test file this worker runs (vitest's worker state), or the script's name outside vitest. */
function currentTestFile(): string {
  const state = (globalThis as { __vitest_worker__?: { filepath?: string } }).__vitest_worker__;
  return state?.filepath ? relative(process.cwd(), state.filepath) : (process.argv[1] ?? 'unknown');
}

/** When the process started (clock ticks since boot), or undefined when it is gone or there is no /proc. */
export function processStart(pid: number): number | undefined {
  return procStat(pid)?.start;
}

/**
 * Notes a process group the suite started (its leader's pid is the group's id) in the run's
 * registry (no-op outside vitest); returns the leader's start time.
 */
export function recordStarted(pid: number, command: string): number | undefined {
  const start = processStart(pid);
  const root = process.env[TEST_LOG_DIR_ENV];
  if (!root) return start;
  const dir = join(root, PROCESSES_SUBDIR);
  mkdirSync(dir, { recursive: true });
  const entry: Registered = { pid, start, command, file: currentTestFile() };
  appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify(entry)}\n`);
  return start;
}

function registered(root: string): Registered[] {
  const dir = join(root, PROCESSES_SUBDIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Registered),
  );
}

/** Whether this machine lets us look (Linux /proc). */
export const canCheckLeftovers = existsSync('/proc/self/stat');

/**
 * The processes of the run whose log directory is `root` that still run; neither `self` (the
 * vitest main process, which set the variable) nor its own children (vitest's workers) count.
 * Other runs share the machine and pids are reused, so a process counts only when it is provably
 * ours: a registered leader with its recorded start time, or a process with this run's variable.
 */
export function findLeftovers(root: string, self = process.pid): Leftover[] {
  const groups = new Map<number, Registered>();
  for (const r of registered(root)) if (r.start !== undefined) groups.set(r.pid, r);
  const marker = `${TEST_LOG_DIR_ENV}=${root}`;
  const found: Leftover[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = procStat(Number(name));
    // Vitest's own workers carry the variable too; what they started does not get this pass.
    if (!p || p.pid === self || p.ppid === self) continue;
    const leader = groups.get(p.pid);
    const isLeader = leader !== undefined && leader.start === p.start;
    if (!isLeader && !hasEnv(p.pid, marker)) continue;
    // Which registered group it belongs to (a member starts after its leader).
    const group = groups.get(p.pgid);
    const origin = group && p.start >= group.start! ? `started by ${group.file} as: ${group.command}` : "not registered; has this run's environment";
    found.push({ pid: p.pid, pgid: p.pgid, command: cmdline(p.pid), origin });
  }
  return found;
}

/** One line per leftover, for the failure message. */
export function describeLeftovers(found: readonly Leftover[]): string {
  return found.map((l) => `  pid ${l.pid} (group ${l.pgid}): ${l.command}\n      ${l.origin}`).join('\n');
}

/** SIGKILL to each leftover (each one proven ours; their groups may hold others' processes by now). */
export function killLeftovers(found: readonly Leftover[]): void {
  for (const l of found) {
    try {
      process.kill(l.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
