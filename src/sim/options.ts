// startSimulator's options, their defaults and their bounds.
import { SimUsageError } from './errors.js';
import type { ServicePorts } from './ports.js';
import { MAX_NODES, type ShapeNode } from './topology.js';

/**
 * A given cluster instead of a generated one (a twin of a hosts file): its node names, providers
 * and voters, node 0 being the coordinator, and the backbone the hosts file names.
 */
export interface ClusterShape {
  nodes: ShapeNode[];
  /** Written as `backbone:` in the hosts file; default the coordinator. */
  backbone?: string;
}

// The names the hosts file schema accepts (DESIGN §3): the shell and SSH see them verbatim.
const NODE_NAME = /^[A-Za-z0-9._-]+$/;

export interface SimulatorOptions {
  nodes: number;
  /** Default min(5, nodes); node 0 is always one of them. */
  voters?: number;
  seed?: number;
  /** Directory for the hosts file, keys and sim.json; default a fresh temp dir. */
  outDir?: string;
  /** Second octet of the primary addresses (127.<subnet>.x.y); fallback is subnet+100. */
  subnet?: number;
  sshPort?: number;
  /** Multiplies every simulated duration (sleep, daemon start, sync). */
  timeScale?: number;
  /** Daemon start-up time at timeScale 1. */
  daemonStartMs?: number;
  /** X-Admin-Key of the admin API; default $RUNBOOK_ADMIN_KEY or "sim-admin-key". */
  adminKey?: string;
  /**
   * How late HTTP answers on a `slow-primary` node's primary address (not scaled: it must stay
   * longer than a client's fallback stagger whatever the time-scale). Default 600.
   */
  slowPrimaryMs?: number;
  /** Duration of a full data sync at timeScale 1 (default 2000 ms). */
  syncMs?: number;
  /** `flapping` fault: how long a started daemon runs before it dies again, at timeScale 1 (default 10,000). */
  flapAfterMs?: number;
  /** Names, providers and voters of a given cluster; `nodes` must equal its length, `voters` is ignored. */
  shape?: ClusterShape;
  /** HTTP API, P2P and admin ports of every node (default SIM_PORTS: 8765, 8770, 8001). */
  ports?: ServicePorts;
}

export type ValidOptions = Required<Omit<SimulatorOptions, 'outDir' | 'syncMs' | 'flapAfterMs' | 'shape' | 'ports'>> & {
  outDir: string | undefined;
  syncMs: number | undefined;
  flapAfterMs: number | undefined;
  shape: ClusterShape | undefined;
  ports: ServicePorts | undefined;
};

/** The options with defaults filled in; a SimUsageError names the first one out of bounds. */
export function validateOptions(o: SimulatorOptions): ValidOptions {
  const int = (name: string, v: number, lo: number, hi: number): number => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new SimUsageError(`${name} must be an integer from ${lo} to ${hi}, got ${v}`);
    return v;
  };
  const nodes = int('nodes', o.nodes, 1, MAX_NODES);
  if (o.shape !== undefined) validateShape(o.shape, nodes);
  const voters = o.shape !== undefined ? o.shape.nodes.filter((n) => n.voter).length : int('voters', o.voters ?? Math.min(5, nodes), 1, nodes);
  const timeScale = o.timeScale ?? 1;
  if (!(timeScale > 0)) throw new SimUsageError(`timeScale must be positive, got ${timeScale}`);
  return {
    nodes,
    voters,
    seed: int('seed', o.seed ?? 1, 0, 2 ** 31),
    // Subnet+100 is the fallback's second octet: it must stay a valid octet.
    subnet: int('subnet', o.subnet ?? 10, 1, 155),
    sshPort: int('sshPort', o.sshPort ?? 2222, 1, 65535),
    timeScale,
    daemonStartMs: o.daemonStartMs ?? 1500,
    adminKey: o.adminKey ?? process.env['RUNBOOK_ADMIN_KEY'] ?? 'sim-admin-key',
    slowPrimaryMs: int('slowPrimaryMs', o.slowPrimaryMs ?? 600, 0, 60_000),
    outDir: o.outDir,
    syncMs: o.syncMs,
    flapAfterMs: o.flapAfterMs === undefined ? undefined : int('flapAfterMs', o.flapAfterMs, 0, 3_600_000),
    shape: o.shape,
    ports: o.ports === undefined ? undefined : validatePorts(o.ports, o.sshPort ?? 2222),
  };
}

/** A shape the model can run: as many nodes as `nodes`, unique valid names, a voter, a known backbone. */
function validateShape(shape: ClusterShape, nodes: number): void {
  if (shape.nodes.length !== nodes) throw new SimUsageError(`nodes is ${nodes} but the shape lists ${shape.nodes.length} nodes`);
  const seen = new Set<string>();
  for (const n of shape.nodes) {
    if (!NODE_NAME.test(n.name)) throw new SimUsageError(`node name ${JSON.stringify(n.name)} may only contain letters, digits, ".", "_" and "-"`);
    if (seen.has(n.name)) throw new SimUsageError(`node name "${n.name}" appears twice`);
    seen.add(n.name);
  }
  // Without a voter no leader is ever elected: the twin would start broken.
  if (!shape.nodes.some((n) => n.voter)) throw new SimUsageError('the shape needs at least one voter');
  if (shape.backbone !== undefined && !seen.has(shape.backbone)) throw new SimUsageError(`backbone "${shape.backbone}" is not one of the nodes`);
}

/** Each a valid port, none shared with another service or SSH (a node serves each on its own port). */
function validatePorts(p: ServicePorts, sshPort: number): ServicePorts {
  const all: Array<[string, number]> = [['ssh', sshPort], ['http_api', p.http_api], ['p2p', p.p2p], ['admin', p.admin]];
  for (const [name, v] of all) {
    if (!Number.isInteger(v) || v < 1 || v > 65535) throw new SimUsageError(`ports.${name} must be an integer from 1 to 65535, got ${v}`);
  }
  const seen = new Map<number, string>();
  for (const [name, v] of all) {
    const other = seen.get(v);
    if (other !== undefined) throw new SimUsageError(`ports.${name} and ${other} are both ${v}: every service needs its own port`);
    seen.set(v, name);
  }
  return { http_api: p.http_api, p2p: p.p2p, admin: p.admin };
}
