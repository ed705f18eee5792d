// `runbook worker` as a real child process (bin/runbook.js), the way production runs it.
import { type RunbookProcess, startRunbookProcess } from './runbook-process.js';

export type WorkerProcess = RunbookProcess<true>;

/** Ready when the worker logs "worker ready". */
export function startWorkerProcess(args: string[], env: NodeJS.ProcessEnv): WorkerProcess {
  return startRunbookProcess('worker', args, env, { readyIn: (out) => (out.includes('worker ready') ? true : undefined), deadlineMs: 90_000, readyWhen: 'a line saying "worker ready"' });
}
