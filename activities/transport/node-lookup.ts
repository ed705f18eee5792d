// A node in the current config and the addresses it is reached on: primary, then the §5.4
// fallback. A bad config is permanent (ConfigInvalidError); an unknown name too (UnknownNodeError).
import type { ClusterSpec, HostSpec } from '../../src/domain/cluster-spec.js';
import type { AddressSide } from '../../src/domain/probes.js';
import { ConfigInvalidError, UnknownNodeError } from '../errors.js';

export interface Candidate {
  via: AddressSide;
  address: string;
}

/** Reads the current cluster; a loader failure (ConfigError) becomes a non-retryable error. */
export function readCluster(cluster: () => ClusterSpec): ClusterSpec {
  try {
    return cluster();
  } catch (err) {
    throw new ConfigInvalidError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

export function findHost(spec: ClusterSpec, node: string): HostSpec {
  const host = spec.hosts.find((h) => h.name === node);
  if (!host) throw new UnknownNodeError(node);
  return host;
}

/** Primary address first, then the §5.4 fallback when configured. */
export function candidates(host: HostSpec): Candidate[] {
  const list: Candidate[] = [{ via: 'primary', address: host.host }];
  if (host.fallback_host !== undefined && host.fallback_host !== host.host) {
    list.push({ via: 'fallback', address: host.fallback_host });
  }
  return list;
}

/** `http://addr:port` with IPv6 literals bracketed. */
export function httpBase(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
