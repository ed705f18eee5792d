// §3.3 Tailscale's view: the tailscaled LocalAPI over its unix socket, else `tailscale status --json`.
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { z } from 'zod';
import { capNodeText } from '../src/domain/node-text.js';
import type { ClusterSpec } from '../src/domain/cluster-spec.js';
import type { TailnetConflict, TailscaleView } from '../src/domain/probes.js';
import { withDeadline } from './transport/abort.js';
import { ConfigInvalidError, TailscaleUnavailableError } from './errors.js';
import { failureReason, httpCall, TAILSCALE_STATUS_MAX_BYTES } from './transport/http.js';
import { LazyAgent } from './transport/lazy-undici.js';

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
    MagicDNSSuffix: z.string().nullish(),
    CurrentTailnet: z.object({ MagicDNSSuffix: z.string().nullish() }).passthrough().nullish(),
    Self: peerSchema.nullish(),
    Peer: z.record(peerSchema).nullish(),
  })
  .passthrough();

type Peer = z.infer<typeof peerSchema>;

/** Devices described per conflicting node, and nodes whose devices are described, at most:
 *  history stays small even when a tailnet is full of impostors. Every conflicting node is named. */
const MAX_CLAIMANTS_DESCRIBED = 3;
/** Tailscale gives a device one IPv4 and one IPv6 address; a device listing thousands is lying. */
const MAX_PEER_IPS = 8;
const MAX_CONFLICTS_DESCRIBED = 20;

const lower = (s: string): string => s.toLowerCase();
const withoutDot = (s: string): string => lower(s).replace(/\.$/, '');
const firstLabel = (dnsName: string): string => lower(dnsName).split('.')[0] ?? '';
/** A peer's addresses that really are IP addresses: anything else in the document is ignored. */
const ipsOf = (peer: Peer): string[] => (peer.TailscaleIPs ?? []).filter((ip) => isIP(ip) !== 0).slice(0, MAX_PEER_IPS);

/** Every value a node is looked up by in a multimap from key to the peers that have it. */
function index(all: Peer[], keysOf: (p: Peer) => string[]): Map<string, Peer[]> {
  const map = new Map<string, Peer[]>();
  for (const p of all) {
    for (const k of new Set(keysOf(p))) {
      if (k === '') continue;
      const list = map.get(k);
      if (list) list.push(p);
      else map.set(k, [p]);
    }
  }
  return map;
}

/** Strings a tailnet device chose itself: short, and only characters safe in history and markdown. */
function sanitise(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9._:-]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 63)}…` : clean;
}

function describe(peer: Peer): string {
  const dns = peer.DNSName === '' ? 'no MagicDNS name' : sanitise(withoutDot(peer.DNSName));
  const ips = ipsOf(peer).slice(0, 2).join(' ') || 'no address';
  return `HostName ${sanitise(peer.HostName) || '(empty)'} (${dns}, ${ips}, ${peer.Online ? 'online' : 'offline'})`;
}

/**
 * Reduces a `tailscale status --json` document to the config nodes it knows about. A device
 * picks its own HostName, so a peer is a node's only when it holds the node's configured
 * Tailscale IP or its MagicDNS name (`<name>.<tailnet suffix>`, unique in the tailnet, given by
 * the coordination server). When more than one device claims a node — by those, or by a
 * HostName or DNS label equal to the node's name — the node is listed under `conflicts`, and
 * matched only if exactly one device holds its address or MagicDNS name.
 */
export function toTailscaleView(doc: unknown, spec: ClusterSpec): TailscaleView {
  const parsed = tailscaleStatusSchema.safeParse(doc);
  if (!parsed.success) throw new TailscaleUnavailableError('status', 'unexpected status document');
  const status = parsed.data;
  const suffix = withoutDot(status.MagicDNSSuffix ?? status.CurrentTailnet?.MagicDNSSuffix ?? '');
  // Self is this machine: it is online by definition when tailscaled answers.
  const all: Peer[] = [...(status.Self ? [{ ...status.Self, Online: true }] : []), ...Object.values(status.Peer ?? {})];
  const byIp = index(all, ipsOf);
  const byDnsName = index(all, (p) => [withoutDot(p.DNSName)]);
  const byClaimedName = index(all, (p) => [lower(p.HostName), firstLabel(p.DNSName)]);

  const peers: TailscaleView['peers'] = [];
  const conflicts: TailnetConflict[] = [];
  for (const host of spec.hosts) {
    const name = lower(host.name);
    const addresses = [host.tailscale_ip, host.host, host.fallback_host].filter((a): a is string => a !== undefined);
    const holders = new Set([
      ...addresses.flatMap((a) => byIp.get(a) ?? []),
      ...(suffix === '' ? [] : (byDnsName.get(`${name}.${suffix}`) ?? [])),
    ]);
    const claimants = new Set([...holders, ...(byClaimedName.get(name) ?? [])]);
    if (claimants.size > 1) {
      const described = conflicts.length < MAX_CONFLICTS_DESCRIBED;
      const peerLines = described ? [...claimants].slice(0, MAX_CLAIMANTS_DESCRIBED).map(describe) : [];
      if (claimants.size > peerLines.length) peerLines.push(`${claimants.size - peerLines.length} more device(s)`);
      conflicts.push({ node: host.name, peers: peerLines });
    }
    const [peer] = holders;
    if (peer !== undefined && holders.size === 1) peers.push({ name: host.name, online: peer.Online, ips: ipsOf(peer) });
  }
  return {
    backendState: capNodeText(status.BackendState),
    peers,
    ...(conflicts.length > 0 && { conflicts }),
  };
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TailscaleUnavailableError(source, 'output is not JSON', { cause: err });
  }
}

export async function statusFromSocket(socketPath: string, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
  const dispatcher = new LazyAgent({ connect: { socketPath, timeout: timeoutMs } });
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
