// The `clusterInfo` activity: the roster (names, roles, providers) that workflows plan with.
// Activities read the config (workflows cannot do I/O); only names and roles enter history.
import { type ClusterSpec, tailscaleAddressOf } from '../src/domain/cluster-spec.js';
import type { NodeMeta } from '../src/domain/classify.js';

export interface ClusterInfo {
  nodes: NodeMeta[];
  backbone: string;
  coordinator: string;
  voters: string[];
}

export function clusterInfo(cluster: ClusterSpec): ClusterInfo {
  return {
    nodes: cluster.hosts.map((h) => ({
      name: h.name,
      host: h.host,
      ...(tailscaleAddressOf(h) !== undefined && { tailscaleIp: tailscaleAddressOf(h) }),
      voter: cluster.voter_nodes.includes(h.name),
      provider: h.provider,
    })),
    backbone: cluster.backbone,
    coordinator: cluster.coordinator,
    voters: [...cluster.voter_nodes],
  };
}
