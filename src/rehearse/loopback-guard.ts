// Never the real cluster: every address the twin's worker would open a connection to must be a
// loopback address, checked on the twin's own hosts file before any worker starts.
import { isIPv4 } from 'node:net';
import type { ClusterSpec } from '../domain/cluster-spec.js';

/** Thrown when the twin's worker could reach something outside 127.0.0.0/8; nothing is started. */
export class NotLoopbackError extends Error {
  override readonly name = 'NotLoopbackError';
  constructor(readonly offending: string[]) {
    super(`refusing to rehearse: the twin's worker would reach beyond loopback (127.0.0.0/8):\n${offending.map((o) => `  - ${o}`).join('\n')}`);
  }
}

/** 127.0.0.0/8 as a dotted IPv4 literal; a hostname never counts, whatever it resolves to now. */
export function isLoopbackV4(address: string): boolean {
  return isIPv4(address) && address.startsWith('127.');
}

/**
 * Every target the worker's activities take from the hosts file: each node's addresses, the
 * Tailscale access (a CLI would ask the real tailscaled), the admin API transport.
 * Throws NotLoopbackError listing each one that is not loopback; else returns how many addresses it checked.
 */
export function assertLoopbackOnly(spec: ClusterSpec): number {
  const bad: string[] = [];
  let checked = 0;
  for (const h of spec.hosts) {
    for (const [field, value] of [
      ['host', h.host],
      ['fallback_host', h.fallback_host],
      ['tailscale_ip', h.tailscale_ip],
    ] as const) {
      if (value === undefined) continue;
      checked++;
      if (!isLoopbackV4(value)) bad.push(`${h.name}.${field} = ${value}`);
    }
  }
  if (!('socket' in spec.tailscale)) bad.push(`tailscale.cli = ${spec.tailscale.cli} (would ask this machine's real tailscaled)`);
  if (spec.admin_api.transport !== 'ssh') {
    const host = safeHostname(spec.admin_api.url);
    if (host === undefined || !isLoopbackV4(host)) bad.push(`admin_api.url = ${spec.admin_api.url}`);
  }
  if (bad.length > 0) throw new NotLoopbackError(bad);
  return checked;
}

function safeHostname(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
