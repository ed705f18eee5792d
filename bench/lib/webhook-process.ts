// `runbook webhook` as production runs it: its own process (bin/runbook.js), connected to the
// bench's dev server through $TEMPORAL_ADDRESS, the token in $RUNBOOK_WEBHOOK_TOKEN (never argv),
// listening on a port the OS picks. Its URL is read from its JSON "webhook ready" log line.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './bench-config.js';
import { track } from './child-processes.js';

export interface WebhookProc {
  proc: ChildProcess;
  /** http://127.0.0.1:<port> */
  url: string;
}

export async function startWebhookProcess(o: { temporalAddress: string; hostsFile: string; token: string; policyFile?: string; cpuProfDir?: string }): Promise<WebhookProc> {
  // node refuses --cpu-prof in NODE_OPTIONS, so it goes on the command line; the profile is
  // written when the webhook exits (SIGTERM from the bench's cleanup).
  const profile = o.cpuProfDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  const args = [...profile, join(ROOT, 'bin/runbook.js'), 'webhook', '--config', o.hostsFile, '--host', '127.0.0.1', '--port', '0', '--log-format', 'json'];
  if (o.policyFile !== undefined) args.push('--policy', o.policyFile);
  const proc = track(
    spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: o.temporalAddress, TEMPORAL_NAMESPACE: 'default', RUNBOOK_WEBHOOK_TOKEN: o.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let tail = '';
  // The logger writes to stderr. Both pipes are drained for the whole run: a full pipe would
  // block the webhook's logging.
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runbook webhook did not log "webhook ready" within 60 s\n${tail}`)), 60_000);
    for (const stream of [proc.stdout!, proc.stderr!]) {
      let buf = '';
      stream.on('data', (b: Buffer) => {
        buf += b.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          tail = (tail + l + '\n').slice(-2000);
          const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/alerts\/alertmanager"/.exec(l);
          if (m && l.includes('webhook ready')) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        }
      });
    }
    proc.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`runbook webhook exited (${sig ?? code}) before it was ready\n${tail}`));
    });
  });
  return { proc, url };
}
