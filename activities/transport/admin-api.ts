// How an admin API request reaches the coordinator (§4.4) without the X-Admin-Key crossing a
// network in clear text. `ssh` (default): `curl … http://localhost:8001/…` on the coordinator,
// the key on the channel's stdin (`-H @-`), one SSH connection per channel so a watch loop
// does not pay a handshake per poll. `https` / `tailscale`: the URL named in the config, checked
// again here so a hand-built ClusterSpec cannot slip a clear-text URL past the loader.
import { adminCurlCommand, adminKeyHeader, curlFailureReason, parseCurlOutput, UnsafeAdminPathError } from '../../src/domain/admin-curl.js';
import { adminUrlProblem, type ClusterSpec } from '../../src/domain/cluster-spec.js';
import { withDeadline } from './abort.js';
import { findHost } from './node-lookup.js';
import { AdminApiError, AdminUnreachableError, ConfigInvalidError, SshConnectError } from '../errors.js';
import { failureReason, type HttpDispatcher, httpCall, MAX_BODY_BYTES } from './http.js';
import type { SshConnection, SshRunner } from '../ssh.js';

export interface AdminAnswer {
  status: number;
  text: string;
  /** Where the request went, for messages: a URL or "localhost:8001 on <node> (over SSH)"; never the key. */
  where: string;
}

/** One way to the admin API; `close` ends whatever connection it holds. */
export interface AdminChannel {
  request(method: 'GET' | 'POST', pathAndQuery: string, signal: AbortSignal): Promise<AdminAnswer>;
  close(): void;
}

export interface AdminTransportOptions {
  key: string;
  ssh: SshRunner;
  dispatcher: HttpDispatcher;
  /** Whole request, after connecting. */
  timeoutMs: number;
  connectTimeoutMs: number;
}

export function openAdminChannel(spec: ClusterSpec, o: AdminTransportOptions): AdminChannel {
  const access = spec.admin_api;
  return access.transport === 'ssh' ? sshChannel(spec, o) : urlChannel(access.transport, access.url, o);
}

/** §4.4 as the runbook runs it: curl on the coordinator's loopback, reached over SSH. */
function sshChannel(spec: ClusterSpec, o: AdminTransportOptions): AdminChannel {
  const node = spec.coordinator;
  const port = findHost(spec, node).ports.admin;
  const where = `localhost:${port} on ${node} (over SSH)`;
  let conn: SshConnection | undefined;
  const drop = (): void => {
    conn?.close();
    conn = undefined;
  };
  return {
    async request(method, pathAndQuery, signal) {
      let command: string;
      try {
        command = adminCurlCommand({ method, pathAndQuery, port, connectTimeoutS: o.connectTimeoutMs / 1000, maxTimeS: o.timeoutMs / 1000 });
      } catch (err) {
        if (err instanceof UnsafeAdminPathError) throw new ConfigInvalidError(err.message);
        throw err;
      }
      if (conn === undefined) {
        try {
          conn = await o.ssh.open(node);
        } catch (err) {
          // The coordinator is out of reach: to us, its admin API is.
          if (err instanceof SshConnectError) throw new AdminUnreachableError(where, `SSH ${err.reason}`);
          throw err;
        }
      }
      let r: Awaited<ReturnType<SshConnection['exec']>>;
      try {
        r = await conn.exec(command, { stdin: adminKeyHeader(o.key), cap: MAX_BODY_BYTES });
      } catch (err) {
        drop();
        if (signal.aborted) throw signal.reason;
        throw new AdminUnreachableError(where, `SSH session failed: ${failureReason(err)}`);
      }
      if (r.exitCode < 0) {
        drop();
        throw new AdminUnreachableError(where, 'SSH session ended without an exit status');
      }
      if (r.exitCode !== 0) throw new AdminUnreachableError(where, r.exitCode === 124 ? 'timeout' : curlFailureReason(r.exitCode));
      const parsed = parseCurlOutput(r.stdout);
      if (parsed === undefined) throw new AdminApiError(where, r.truncated ? 'answer too large' : 'unexpected curl output');
      return { status: parsed.status, text: parsed.body, where };
    },
    close: drop,
  };
}

/** An explicit https:// or Tailscale URL from the config. */
function urlChannel(transport: 'https' | 'tailscale', base: string, o: AdminTransportOptions): AdminChannel {
  const problem = adminUrlProblem(transport, base);
  if (problem !== undefined) throw new ConfigInvalidError(`admin_api.url refused: ${problem}`);
  const root = base.replace(/\/+$/, '');
  return {
    async request(method, pathAndQuery, signal) {
      const url = `${root}${pathAndQuery}`;
      try {
        const answer = await withDeadline([signal], o.timeoutMs, (s) =>
          httpCall(url, { method, headers: { 'X-Admin-Key': o.key, accept: 'application/json' }, signal: s, dispatcher: o.dispatcher }),
        );
        return { status: answer.status, text: answer.text, where: url };
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        // No cause: undici errors can echo request options, and those include the header.
        throw new AdminUnreachableError(url, failureReason(err));
      }
    },
    close: () => undefined,
  };
}
