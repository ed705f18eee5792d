// §4.5 `curl http://<name-or-address>:port/…` run on a node: where the simulated network
// delivers it from there, and what answers. Mirrors what the real sockets do from outside
// (node-network.ts): partitions and host-down time out, Tailscale-down resets, closed ports refuse,
// the SSH port accepts and speaks SSH. blind-to-worker is not consulted: it only closes the real
// sockets, which only the outside uses.
import { isIP } from 'node:net';
import type { SimCluster } from './cluster.js';
import { type ApiContext, handleApi } from './http-api.js';
import type { Reach } from './shell/types.js';
import type { SimNode } from './state-types.js';

export type AddressOwner = { node: SimNode; via: 'primary' | 'fallback' };

export function routeFromNode(
  cluster: SimCluster,
  api: ApiContext,
  ownerOf: (addr: string) => AddressOwner | undefined,
  from: SimNode,
  sshPort: number,
  req: { host: string; port: number; method: string; path: string; headers: Record<string, string>; command: string },
): Reach {
  const { host, port, method } = req;
  let target: SimNode;
  let via: 'self' | 'primary' | 'fallback';
  if (host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === from.name) {
    target = from;
    via = 'self';
  } else if (cluster.byName.has(host)) {
    // Node names resolve through MagicDNS, which needs the local Tailscale up.
    if (!from.tailscaleUp) return { kind: 'unresolved' };
    target = cluster.byName.get(host)!;
    via = 'primary';
  } else {
    const hit = ownerOf(host);
    if (hit === undefined) return isIP(host) !== 0 ? { kind: 'timeout' } : { kind: 'unresolved' };
    target = hit.node;
    via = hit.node === from ? 'self' : hit.via;
  }
  if (via !== 'self') {
    if (from.partitionStage !== null || target.partitionStage !== null) return { kind: 'timeout' };
    if (via === 'primary' && !from.tailscaleUp) return { kind: 'timeout' };
    if (target.hostDown) return { kind: 'timeout' };
    if (via === 'primary' && !target.tailscaleUp) return { kind: 'reset' };
  }
  // Every node's sshd listens on every address; it sends its banner first, so an HTTP client
  // connects and then reads something that is not HTTP.
  if (port === sshPort) return { kind: 'not-http' };
  const open =
    port === cluster.ports.http_api ||
    (port === cluster.ports.p2p && target.daemon === 'running') ||
    (port === cluster.ports.admin && target === cluster.coordinator && !cluster.adminDown);
  if (!open) return { kind: 'refused' };
  const mutating = method !== 'GET' && method !== 'HEAD';
  return {
    kind: 'ok',
    response: handleApi(api, target, port, { method, url: req.path, headers: req.headers }, 'ssh', mutating ? req.command : undefined),
  };
}
