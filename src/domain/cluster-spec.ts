// The cluster as configured (ClusterSpec: distributed_hosts.yaml with every default applied)
// and rules about it. Pure data: this module imports nothing, so the workflow bundle can use it.

export type Provider = 'lambda' | 'runpod' | 'vast' | 'nebius' | 'vultr' | 'unknown';

export interface Ports {
  ssh: number;
  http_api: number;
  p2p: number;
  admin: number;
}

export interface HostSpec {
  name: string;
  host: string;
  fallback_host?: string;
  tailscale_ip?: string;
  provider: Provider;
  ports: Ports;
}

export interface SshSettings {
  user: string;
  key_path: string;
  known_hosts: string;
  connect_timeout_s: number;
}

export type TailscaleAccess = { socket: string } | { cli: string };

/**
 * How the worker reaches the coordinator's admin API (§4.4), whose X-Admin-Key must never cross
 * a network in clear text. `ssh` (default): curl on the coordinator's own loopback over SSH, the
 * key on stdin. `https` / `tailscale`: a URL the config names explicitly, checked at load.
 */
export type AdminApiAccess = { transport: 'ssh' } | { transport: 'https' | 'tailscale'; url: string };

/**
 * Why an admin API URL would send the key in clear text (or is unusable), or undefined when it
 * is safe for `transport`: `https` needs https://; `tailscale` needs a 100.64.0.0/10 literal,
 * whose traffic WireGuard encrypts. Checked at config load and again before every call.
 */
export function adminUrlProblem(transport: 'https' | 'tailscale', raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `"${raw}" is not a URL`;
  }
  if (u.username !== '' || u.password !== '') return 'credentials in the URL would land in logs; the key comes from RUNBOOK_ADMIN_KEY';
  if (transport === 'https') {
    return u.protocol === 'https:'
      ? undefined
      : `${u.protocol}// would send X-Admin-Key in clear text; transport "https" needs an https:// URL (or leave admin_api out: the default calls localhost:8001 on the coordinator over SSH)`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `unsupported scheme ${u.protocol}`;
  return isTailscaleAddress(u.hostname)
    ? undefined
    : `${u.hostname} is not a Tailscale address (100.64.0.0/10): X-Admin-Key would cross the network in clear text; use the coordinator's Tailscale IP, transport "https", or leave admin_api out (SSH, the default)`;
}

/** The resolved cluster: every default applied, every host carrying its own ports. */
export interface ClusterSpec {
  hosts: HostSpec[];
  voter_nodes: string[];
  ssh: SshSettings;
  service_dir: string;
  /** Node whose point of view is used for reachability checks (§4.5 curls nebius-backbone-1). */
  backbone: string;
  /** Node that serves the admin API on `ports.admin` (§4.4 runs against localhost:8001). */
  coordinator: string;
  tailscale: TailscaleAccess;
  admin_api: AdminApiAccess;
}

// §9 Provider IP ranges. Vast.ai is "Variable" so it cannot be inferred from an address.
const PROVIDER_PREFIXES: ReadonlyArray<[string, Provider]> = [
  ['100.', 'lambda'],
  ['38.', 'runpod'],
  ['104.', 'runpod'],
  ['193.', 'runpod'],
  ['89.169.', 'nebius'],
  ['208.167.', 'vultr'],
];

/** Infers the provider from the §9 IP-range table; `unknown` when no range matches. */
export function inferProvider(address: string): Provider {
  for (const [prefix, provider] of PROVIDER_PREFIXES) {
    if (address.startsWith(prefix)) return provider;
  }
  return 'unknown';
}

/** Smallest number of voters that forms a majority. */
export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * §9 "Election Quorum": stopping `node`'s daemon would leave fewer live voters than a majority.
 * Returns how many are alive now and the quorum, or undefined when the stop is safe: `node` is
 * no voter, is not alive anyway, or enough others stay alive.
 */
export function quorumShortfall(
  node: string,
  voters: readonly string[],
  alive: readonly string[],
): { alive: number; quorum: number } | undefined {
  const quorum = quorumSize(voters.length);
  if (!voters.includes(node) || !alive.includes(node) || alive.length - 1 >= quorum) return undefined;
  return { alive: alive.length, quorum };
}

/** 100.64.0.0/10, the CGNAT range Tailscale assigns its addresses from. */
export function isTailscaleAddress(address: string): boolean {
  const m = /^100\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(address);
  return m !== null && Number(m[1]) >= 64 && Number(m[1]) <= 127;
}

/**
 * The node's Tailscale address as configured: `tailscale_ip`, else `host` when that is a
 * Tailscale address. Undefined for a node known only by a public or internal address, whose
 * Tailscale address therefore cannot be said to have "changed".
 */
export function tailscaleAddressOf(h: { host: string; tailscale_ip?: string }): string | undefined {
  return h.tailscale_ip ?? (isTailscaleAddress(h.host) ? h.host : undefined);
}
