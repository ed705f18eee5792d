// The shared test log directory (issue 11 "Done when": a secret scan over every recorded
// history and test log). Helpers write what a run left behind into it: each dev server's
// workflow histories (payloads decoded) before teardown, CLI output, worker process output and
// the in-process worker's log. The secrets the helpers hand out are registered beside them;
// `test/global-secret-scan.ts` scans the directory once every test file has finished.
// Outside vitest (the fixture recorders run with tsx) RUNBOOK_TEST_LOG_DIR is unset: no-ops.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEST_LOG_DIR_ENV = 'RUNBOOK_TEST_LOG_DIR';
/** Registered secrets live here; the scan reads them and never scans them. */
export const SECRETS_SUBDIR = 'secrets';

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
