// `runbook webhook` as a real child process (bin/runbook.js) on a free port, the way production runs it.
import { type RunbookProcess, startRunbookProcess } from './runbook-process.js';

/** `ready()` resolves with http://host:port once it logs "webhook ready". */
export type WebhookProcess = RunbookProcess<string>;

export function startWebhookProcess(args: string[], env: NodeJS.ProcessEnv): WebhookProcess {
  return startRunbookProcess('webhook', ['--port', '0', ...args], env, {
    readyIn: (out) => /webhook ready.*?(http:\/\/[^\s"/]+)\/alerts\/alertmanager/.exec(out)?.[1],
    deadlineMs: 60_000,
    readyWhen: 'a line saying "webhook ready" with its http://…/alerts/alertmanager URL',
  });
}
