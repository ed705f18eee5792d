// §4.6 detection: the nodes whose Tailscale address moved, and the hosts file's hash that the
// patch (hosts-file.ts) checks before it writes. No YAML here: this runs on every update-hosts.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { type ClusterSpec, tailscaleAddressOf } from '../src/domain/cluster-spec.js';
import type { TailscaleView } from '../src/domain/probes.js';

export interface AddressChange {
  node: string;
  from: string;
  to: string;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Nodes that Tailscale shows online under another address than their configured Tailscale
 * address. Nodes configured only by a public or internal address are never "changed"; nor is a
 * node that several tailnet devices claim (`view.conflicts`: update-hosts escalates those), nor
 * one whose new address is not an IP address of the configured address's family.
 */
export function addressChanges(cluster: ClusterSpec, view: TailscaleView): AddressChange[] {
  const contested = new Set((view.conflicts ?? []).map((c) => c.node));
  return view.peers.flatMap((peer) => {
    const host = cluster.hosts.find((h) => h.name === peer.name);
    const from = host ? tailscaleAddressOf(host) : undefined;
    if (!host || from === undefined || !peer.online || contested.has(host.name) || peer.ips.includes(from)) return [];
    const family = isIP(from);
    const to = peer.ips.find((ip) => isIP(ip) === family && family !== 0);
    return to === undefined ? [] : [{ node: host.name, from, to }];
  });
}
