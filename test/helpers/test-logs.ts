// The shared test log directory (a secret scan over every recorded
// history and test log). Helpers write what a run left behind into it: each dev server's
// workflow histories (payloads decoded) before teardown, CLI output, worker process output and
// the in-process worker's log. The secrets the helpers hand out are registered beside them;
// `test/global-secret-scan.ts` scans the directory once every test file has finished.
// Outside vitest (the fixture recorders run with tsx) RUNBOOK_TEST_LOG_DIR is unset: no-ops.
//
// Worker, activity and Temporal server output of one test file goes to that file's own log
// (`files/<test path>.log`, set up by test/setup/file-log.ts) instead of the console, so that a
// green run stays readable; the lines a failed test wrote are printed with its failure.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const TEST_LOG_DIR_ENV = 'RUNBOOK_TEST_LOG_DIR';
/** Registered secrets live here; the scan reads them and never scans them. */
export const SECRETS_SUBDIR = 'secrets';
/** The per-test-file logs. */
export const FILE_LOGS_SUBDIR = 'files';
/** One marker per test file with a failed test: the run's log directory is then kept to look at. */
export const FAILED_SUBDIR = 'failed';
/** The current test file's log; set in each test worker, inherited by what it starts. */
export const FILE_LOG_ENV = 'RUNBOOK_TEST_FILE_LOG';

let counter = 0;

function dir(sub: string): string | undefined {
  const root = process.env[TEST_LOG_DIR_ENV];
  if (!root) return undefined;
  const d = join(root, sub);
  mkdirSync(d, { recursive: true });
  return d;
}

/** A file name from free text: what wrote it stays readable in the scan's report. */
export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
}

/** Keeps `text` as one log file of the run, e.g. recordLog('cli', 'retry-wf-1', stdout). */
export function recordLog(kind: string, name: string, text: string): void {
  const d = dir(kind);
  if (d) writeFileSync(join(d, `${process.pid}-${++counter}-${safeName(name)}.log`), text);
}

/** Appends one line to this process's log of `kind` (the in-process worker's log). */
export function appendLog(kind: string, line: string): void {
  const d = dir(kind);
  if (d) appendFileSync(join(d, `${process.pid}.log`), `${line}\n`);
}

/** Secrets the scan must not find anywhere, by name ("admin key") → text. */
export function registerSecrets(secrets: Record<string, string>): void {
  const d = dir(SECRETS_SUBDIR);
  if (d) writeFileSync(join(d, `${process.pid}-${++counter}.json`), JSON.stringify(secrets));
}

/** The log of test file `testPath` (absolute) under the run's log directory `root`. */
export function fileLogPath(root: string, testPath: string, projectRoot = process.cwd()): string {
  return join(root, FILE_LOGS_SUBDIR, `${safeName(relative(projectRoot, testPath))}.log`);
}

/**
 * One line of worker, activity or server output: into the current test file's log, else (a
 * process vitest did not set up) this process's worker log. Never the console.
 */
export function logLine(line: string): void {
  const file = process.env[FILE_LOG_ENV];
  if (!file) return appendLog('worker', line);
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${line}\n`);
}

/**
 * What a failed test printed to its file's log: the lines after byte `from` (where the test
 * started), the last `lines` of them, each cut at `width`, under a header naming the whole log.
 */
export function describeLogTail(file: string, from: number, o: { lines?: number; width?: number; of?: string } = {}): string | undefined {
  const { lines = 60, width = 400, of = 'this test' } = o;
  let text: string;
  try {
    text = readFileSync(file).subarray(from).toString('utf8');
  } catch {
    return undefined;
  }
  const all = text.split('\n').filter((l) => l !== '');
  if (all.length === 0) return undefined;
  const shown = all.slice(-lines).map((l) => (l.length > width ? `${l.slice(0, width)} …` : l));
  const skipped = all.length - shown.length;
  return (
    `worker, activity and server log of ${of} (${skipped > 0 ? `last ${shown.length} of ${all.length} lines` : `${all.length} lines`}; ` +
    `whole file: ${file}):\n${shown.join('\n')}`
  );
}
