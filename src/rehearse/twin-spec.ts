// What the twin of a configured cluster looks like: the same node names, voters, providers,
// backbone, coordinator and service ports, in the simulator's terms. Pure: reads a ClusterSpec, writes nothing.
import type { ClusterSpec, Ports } from '../domain/cluster-spec.js';
import type { ClusterShape, ServicePorts, SimProvider } from '../sim/index.js';

export interface TwinPlan {
  shape: ClusterShape;
  /** The configured HTTP API, P2P and admin ports (the most common layout when hosts differ). */
  ports: ServicePorts;
  coordinator: string;
  backbone: string;
  /** Where the twin's layout differs from the configured one, said once to the user. */
  notes: string[];
}

/** Thrown when a hosts file cannot be twinned (nothing started yet): exits 2. */
export class TwinSpecError extends Error {
  override readonly name = 'TwinSpecError';
}

/**
 * The twin's shape: the coordinator first (the simulator serves the admin API on node 0), the
 * other nodes in file order. Differences the simulator cannot reproduce become notes.
 */
export function planTwin(spec: ClusterSpec, twinSshPort: number): TwinPlan {
  if (spec.voter_nodes.length === 0) {
    throw new TwinSpecError('the hosts file names no voter_nodes: a twin without voters never elects a leader, so nothing could be rehearsed');
  }
  const coordinator = spec.hosts.find((h) => h.name === spec.coordinator)!;
  const ordered = [coordinator, ...spec.hosts.filter((h) => h !== coordinator)];
  const voters = new Set(spec.voter_nodes);
  const shape: ClusterShape = {
    nodes: ordered.map((h) => ({ name: h.name, provider: h.provider as SimProvider, voter: voters.has(h.name) })),
    backbone: spec.backbone,
  };
  const ports: ServicePorts = { http_api: commonest(spec, 'http_api'), p2p: commonest(spec, 'p2p'), admin: commonest(spec, 'admin') };
  const clash = (Object.entries(ports) as Array<[string, number]>).find(([, v]) => v === twinSshPort);
  if (clash !== undefined) throw new TwinSpecError(`the twin's SSH port ${twinSshPort} is the configured ${clash[0]} port: choose another with --ssh-port`);
  return { shape, ports, coordinator: spec.coordinator, backbone: spec.backbone, notes: portNotes(spec, twinSshPort) };
}

/** The value most hosts use for `key` (ties: the first host's). */
function commonest(spec: ClusterSpec, key: keyof Ports): number {
  const counts = new Map<number, number>();
  for (const h of spec.hosts) counts.set(h.ports[key], (counts.get(h.ports[key]) ?? 0) + 1);
  let best = spec.hosts[0]!.ports[key];
  for (const [v, n] of counts) if (n > counts.get(best)!) best = v;
  return best;
}

/** The twin listens on loopback addresses with one port layout; say where that differs from the file. */
function portNotes(spec: ClusterSpec, twinSshPort: number): string[] {
  const notes: string[] = [];
  const layouts = new Map<string, string[]>();
  for (const h of spec.hosts) {
    const key = portsKey(h.ports);
    layouts.set(key, [...(layouts.get(key) ?? []), h.name]);
  }
  const sshPorts = [...new Set(spec.hosts.map((h) => h.ports.ssh))];
  if (sshPorts.length !== 1 || sshPorts[0] !== twinSshPort) {
    // Port 22 needs root and is usually held on every address by the machine's own sshd.
    notes.push(`SSH: configured port ${sshPorts.join('/')}, the twin's nodes listen on ${twinSshPort} (--ssh-port)`);
  }
  // The simulator serves one layout on every node: per-host overrides get the commonest one.
  if (layouts.size > 1) notes.push(`per-host port overrides (${layouts.size} layouts) are served with one layout on the twin, the commonest`);
  return notes;
}

function portsKey(p: Ports): string {
  return `${p.ssh}/${p.http_api}/${p.p2p}/${p.admin}`;
}
