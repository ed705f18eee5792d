// Who started a run, as `requestedBy` records it, so no run says "requested by cli:unknown": the audit trail in the
// history, progress, the result and the Web UI's summary. Each starter names itself:
//   CLI        `cli:<OS user>` or `cli:<--by>`       (here)
//   webhook    `alertmanager:<alertname>/<fingerprint>` (src/webhook/server.ts)
//   monitor    `runbook-health-monitor: <why>`       (workflows/health-monitor.ts)
//   incident   `incident <workflow id>`              (workflows/incident.ts)
import { userInfo } from 'node:os';
import { UsageError } from './errors.js';

/** The OS user running the CLI; `$USER` where the passwd lookup fails (a container's bare UID). */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'unknown';
  }
}

/** `--by` wins over the OS user; an empty or multi-line name is refused (it goes into the summary line). */
export function cliRequester(by?: string): string {
  if (by !== undefined && (by.trim() === '' || /[\r\n]/.test(by))) {
    throw new UsageError(`--by "${by}": give a non-empty, one-line name (who is asking)`);
  }
  return `cli:${by !== undefined ? by.trim() : osUser()}`;
}
