// startSimulator's options, their defaults and their bounds.
import { SimUsageError } from './errors.js';
import { MAX_NODES } from './topology.js';

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
}

export type ValidOptions = Required<Omit<SimulatorOptions, 'outDir' | 'syncMs' | 'flapAfterMs'>> & { outDir: string | undefined; syncMs: number | undefined; flapAfterMs: number | undefined };

/** The options with defaults filled in; a SimUsageError names the first one out of bounds. */
export function validateOptions(o: SimulatorOptions): ValidOptions {
  const int = (name: string, v: number, lo: number, hi: number): number => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new SimUsageError(`${name} must be an integer from ${lo} to ${hi}, got ${v}`);
    return v;
  };
  const nodes = int('nodes', o.nodes, 1, MAX_NODES);
  const voters = int('voters', o.voters ?? Math.min(5, nodes), 1, nodes);
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
  };
}
