// Bookkeeping for every child process the benchmark starts, so none can outlive it: tracking,
// signalling (whole process groups where needed), stopping with a grace period, and waiting for
// a child's "ready" line. Removing everything at exit is cleanup.ts's job.
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
/** Children that lead their own process group (bash and its curls). */
const groupLeaders = new WeakSet<ChildProcess>();

function signalChild(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
  try {
    if (groupLeaders.has(c)) process.kill(-c.pid, sig);
    else c.kill(sig);
  } catch {
    /* already gone */
  }
}

/** Registers a freshly spawned child so cleanup can stop it; returns it for chaining. */
export function track(c: ChildProcess, groupLeader = false): ChildProcess {
  if (groupLeader) groupLeaders.add(c);
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => c.once('exit', () => r()));
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(c: ChildProcess, graceMs = 10_000): Promise<void> {
  signalChild(c, 'SIGTERM');
  const timer = setTimeout(() => signalChild(c, 'SIGKILL'), graceMs);
  await exited(c);
  clearTimeout(timer);
}

/** Stops every tracked child that is still running. */
export async function stopAllChildren(graceMs: number): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, graceMs)));
}

/** Synchronous last resort for the 'exit' event, where nothing can be awaited. */
export function killAllChildren(): void {
  for (const c of children) signalChild(c, 'SIGKILL');
}

/** Resolves when the child prints `line` on stdout; rejects if it exits first or takes too long. */
export function waitForLine(c: ChildProcess, what: string, line: string, timeoutMs: number): Promise<void> {
  let tail = '';
  c.stderr?.on('data', (b: Buffer) => {
    tail = (tail + b.toString()).slice(-2000);
  });
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`${what} did not print "${line}" within ${timeoutMs / 1000} s\n${tail}`)), timeoutMs);
    c.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      if (buf.split('\n').some((l) => l.trim() === line)) {
        clearTimeout(timer);
        res();
      }
    });
    c.once('exit', (code, sig) => {
      clearTimeout(timer);
      rej(new Error(`${what} exited (${sig ?? code}) before "${line}"\n${tail}`));
    });
  });
}

/** Environment for bash/curl: loopback only, so no proxy may take the traffic elsewhere. */
export function loopbackOnlyEnv(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/_proxy$/i.test(k)) e[k] = v;
  return { ...e, NO_PROXY: '*', no_proxy: '*' };
}
