// §3.3 Tailscale's view: the tailscaled LocalAPI over its unix socket, else `tailscale status --json`.
import { execFile } from 'node:child_process';
import { Agent } from 'undici';
import { z } from 'zod';
import type { ClusterSpec, HostSpec } from '../src/domain/cluster.js';
import type { TailscaleView } from '../src/domain/probes.js';
import { withDeadline } from './abort.js';
import { ConfigInvalidError, TailscaleUnavailableError } from './errors.js';
import { failureReason, httpCall, TAILSCALE_STATUS_MAX_BYTES } from './http.js';

const MAX_CLI_OUTPUT = 16 * 1024 * 1024;

// The subset of ipnstate.Status that matching needs; everything else is ignored.
const peerSchema = z
  .object({
    HostName: z.string().default(''),
    DNSName: z.string().default(''),
    TailscaleIPs: z.array(z.string()).nullish(),
    Online: z.boolean().default(false),
  })
  .passthrough();

export const tailscaleStatusSchema = z
  .object({
    BackendState: z.string().default('Unknown'),
    Self: peerSchema.nullish(),
    Peer: z.record(peerSchema).nullish(),
  })
  .passthrough();

type Peer = z.infer<typeof peerSchema>;

function firstLabel(dnsName: string): string {
  return dnsName.split('.')[0]?.toLowerCase() ?? '';
}

function matches(host: HostSpec, peer: Peer): boolean {
  const name = host.name.toLowerCase();
  if (peer.HostName.toLowerCase() === name) return true;
  if (peer.DNSName !== '' && firstLabel(peer.DNSName) === name) return true;
  const ips = peer.TailscaleIPs ?? [];
  return [host.tailscale_ip, host.host, host.fallback_host].some((a) => a !== undefined && ips.includes(a));
}

/** Reduces a `tailscale status --json` document to the config nodes it knows about. */
export function toTailscaleView(doc: unknown, spec: ClusterSpec): TailscaleView {
  const parsed = tailscaleStatusSchema.safeParse(doc);
  if (!parsed.success) throw new TailscaleUnavailableError('status', 'unexpected status document');
  const status = parsed.data;
  // Self is this machine: it is online by definition when tailscaled answers.
  const all: Peer[] = [...(status.Self ? [{ ...status.Self, Online: true }] : []), ...Object.values(status.Peer ?? {})];
  const peers: TailscaleView['peers'] = [];
  for (const host of spec.hosts) {
    const peer = all.find((p) => matches(host, p));
    if (peer) peers.push({ name: host.name, online: peer.Online, ips: [...(peer.TailscaleIPs ?? [])] });
  }
  return { backendState: status.BackendState, peers };
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TailscaleUnavailableError(source, 'output is not JSON', { cause: err });
  }
}

export async function statusFromSocket(socketPath: string, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
  const dispatcher = new Agent({ connect: { socketPath, timeout: timeoutMs } });
  const source = `LocalAPI ${socketPath}`;
  try {
    const answer = await withDeadline([signal], timeoutMs, (s) =>
      httpCall('http://local-tailscaled.sock/localapi/v0/status', {
        dispatcher,
        // tailscaled rejects LocalAPI calls without this header (CSRF protection).
        headers: { 'Sec-Tailscale': 'localapi' },
        signal: s,
        // The status lists every peer: a large tailnet answers megabytes.
        maxBodyBytes: TAILSCALE_STATUS_MAX_BYTES,
      }),
    );
    if (answer.status !== 200) throw new TailscaleUnavailableError(source, `HTTP ${answer.status}`);
    return parseJson(answer.text, source);
  } catch (err) {
    if (err instanceof TailscaleUnavailableError) throw err;
    if (signal.aborted) throw signal.reason;
    throw new TailscaleUnavailableError(source, failureReason(err), { cause: err });
  } finally {
    void dispatcher.close();
  }
}

export function statusFromCli(cli: string, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      cli,
      ['status', '--json'],
      { timeout: timeoutMs, maxBuffer: MAX_CLI_OUTPUT, signal, windowsHide: true },
      (err, stdout) => {
        if (signal.aborted) return reject(signal.reason);
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT' || code === 'EACCES') {
          return reject(new ConfigInvalidError(`tailscale CLI "${cli}" cannot be run: ${code}`));
        }
        // `tailscale status --json` exits non-zero when stopped but still prints the document.
        if (stdout.trim().startsWith('{')) {
          try {
            return resolve(parseJson(stdout, `CLI ${cli}`));
          } catch (parseErr) {
            return reject(parseErr);
          }
        }
        const reason = err ? (err.killed ? 'timeout' : `exit ${String((err as { code?: unknown }).code ?? 'error')}`) : 'no output';
        reject(new TailscaleUnavailableError(`CLI ${cli}`, reason, { cause: err ?? undefined }));
      },
    );
  });
}
