// What the twin of a configured cluster looks like: the same node names, voters, providers,
// backbone and coordinator, in the simulator's terms. Pure: reads a ClusterSpec, writes nothing.
import type { ClusterSpec, Ports } from '../domain/cluster-spec.js';
import type { ClusterShape, SimProvider } from '../sim/index.js';

/** The simulator's fixed service ports (src/sim SIM_PORTS); repeated here so this module stays pure. */
const TWIN_SERVICE_PORTS = { http_api: 8765, p2p: 8770, admin: 8001 } as const;

export interface TwinPlan {
  shape: ClusterShape;
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
  return { shape, coordinator: spec.coordinator, backbone: spec.backbone, notes: portNotes(spec, twinSshPort) };
}

/** The twin listens on loopback addresses with one port layout; say where that differs. */
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
  for (const k of ['http_api', 'p2p', 'admin'] as const) {
    const configured = [...new Set(spec.hosts.map((h) => h.ports[k]))];
    if (configured.length !== 1 || configured[0] !== TWIN_SERVICE_PORTS[k]) {
      notes.push(`${k}: configured ${configured.join('/')}, the twin serves ${TWIN_SERVICE_PORTS[k]} (the simulator's fixed port)`);
    }
  }
  if (layouts.size > 1) notes.push(`per-host port overrides (${layouts.size} layouts) are served with one layout on the twin`);
  return notes;
}

function portsKey(p: Ports): string {
  return `${p.ssh}/${p.http_api}/${p.p2p}/${p.admin}`;
}
