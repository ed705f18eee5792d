// What SimCluster announces, typed: the network layer (node-network.ts) listens and makes the
// sockets agree with the model (daemon down → :8770 refuses, host down → silence, …).
import type { SimNode } from './state-types.js';

export interface ClusterEvents {
  /** The leader changed (null: none). */
  leader: [leaderId: string | null];
  /** The node's daemon stopped, is starting or started. */
  daemon: [node: SimNode];
  /** The node's Tailscale went up or down. */
  tailscale: [node: SimNode];
  /** host-down set or cleared. */
  host: [node: SimNode];
  /** admin-down set or cleared; the coordinator's :8001 opens or closes. */
  admin: [coordinator: SimNode];
  /** blind-to-worker set or cleared; the node's P2P and health ports close or open to outside. */
  blind: [node: SimNode];
  /** ssh-stall set or cleared. */
  'ssh-stall': [node: SimNode];
  /** The node's Tailscale-side servers move (ip-changed set or cleared). */
  address: [node: SimNode, from: string, to: string];
  /** The hosts file now names the node's new address (§4.6 fix). */
  'address-fixed': [node: SimNode];
}
