// §4.4 admin API calls as the runbook makes them: `curl … http://localhost:8001/admin/…` on the
// coordinator itself, run over SSH. The X-Admin-Key header is read by curl from stdin (`-H @-`),
// so the key is in no command line, `ps` listing, shell history or mutation log. Besides the SSH
// catalog (ssh-catalog.ts), this is the only text that reaches a node's shell.

export type AdminMethod = 'GET' | 'POST';

/** Paths the runbook calls; the query is URL-encoded, so it carries no shell metacharacters. */
const ADMIN_PATH = /^\/admin\/sync\/(status|trigger)(\?[A-Za-z0-9%=&._*+-]*)?$/;

/** Separates curl's body from the `-w` status line. */
export const STATUS_MARKER = '\n__runbook_http_status=';

/** Thrown when an admin call would put something other than a known path into a shell command. */
export class UnsafeAdminPathError extends Error {
  override readonly name = 'UnsafeAdminPathError';
  constructor(readonly pathAndQuery: string) {
    super(`refusing to build an admin API command for "${pathAndQuery}"`);
  }
}

export function adminCurlCommand(o: { method: AdminMethod; pathAndQuery: string; port: number; connectTimeoutS: number; maxTimeS: number }): string {
  if (!ADMIN_PATH.test(o.pathAndQuery)) throw new UnsafeAdminPathError(o.pathAndQuery);
  const n = (x: number): string => String(Math.max(1, Math.ceil(x)));
  return [
    'curl -s -S',
    o.method === 'POST' ? '-X POST' : '',
    `--connect-timeout ${n(o.connectTimeoutS)} -m ${n(o.maxTimeS)}`,
    `-w '${STATUS_MARKER.replace('\n', '\\n')}%{http_code}'`,
    '-H @-',
    `'http://localhost:${Math.trunc(o.port)}${o.pathAndQuery}'`,
  ]
    .filter((p) => p !== '')
    .join(' ');
}

/** The header line curl reads from stdin; a key with a line break could smuggle headers. */
export function adminKeyHeader(key: string): string {
  if (/[\r\n]/.test(key)) throw new Error('the admin key contains a line break');
  return `X-Admin-Key: ${key}\n`;
}

/** Splits curl's stdout into body and HTTP status; undefined when the marker is missing. */
export function parseCurlOutput(stdout: string): { status: number; body: string } | undefined {
  const at = stdout.lastIndexOf(STATUS_MARKER);
  if (at < 0) return undefined;
  const status = Number(stdout.slice(at + STATUS_MARKER.length).trim());
  if (!Number.isInteger(status)) return undefined;
  return { status, body: stdout.slice(0, at) };
}

/** curl's exit codes for "no answer", as the network errors the HTTP client would report. */
export function curlFailureReason(exitCode: number): string {
  switch (exitCode) {
    case 6:
      return 'ENOTFOUND';
    case 7:
      return 'ECONNREFUSED';
    case 28:
      return 'timeout';
    case 52:
      return 'empty reply';
    case 56:
      return 'ECONNRESET';
    case 127:
      return 'curl not installed';
    default:
      return `curl exit ${exitCode}`;
  }
}
