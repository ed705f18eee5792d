// The twin's side of a case: where a fault goes, whether the twin is healthy (by its own state,
// and as the cluster itself sees it), and what changed on it. Reads the simulator only.
import { setTimeout as delay } from 'node:timers/promises';
import type { Mutation, SimulatorHandle } from '../sim/index.js';
import type { Scenario } from './scenarios.js';

/** A command that changed something on a twin node. */
export type TwinCommand = Pick<Mutation, 'node' | 'source' | 'command'>;

/** After a run ends, how long the twin may take to show the fix (update-hosts: the simulator rereads its file). */
const SETTLE_MS = 15_000;

/** Puts the fault on the twin; returns where it went. */
export function inject(sim: SimulatorHandle, sc: Scenario, node: string | undefined, backbone: string): string {
  if (sc.target === 'cluster') {
    sim.fault('cluster', sc.fault);
    return 'cluster';
  }
  if (sc.target === 'majority') {
    const names = majority(sim);
    for (const n of names) sim.fault(n, 'partition');
    return `${names.length} of ${sim.state().nodes.length} nodes (partition)`;
  }
  const name = node ?? defaultNode(sim, backbone);
  sim.fault(name, sc.fault);
  return name;
}

/**
 * A node whose fault touches neither quorum, the coordinator nor the backbone (whose view §4.5
 * checks reachability from): the first such node, else the last node.
 */
export function defaultNode(sim: Pick<SimulatorHandle, 'state'>, backbone: string): string {
  const s = sim.state();
  const plain = s.nodes.find((n) => n.role === 'worker' && n.name !== s.coordinator && n.name !== backbone);
  return (plain ?? s.nodes[s.nodes.length - 1]!).name;
}

/** More than half of the nodes, the coordinator last (it serves the admin API that escalation reads). */
function majority(sim: SimulatorHandle): string[] {
  const s = sim.state();
  const ordered = [...s.nodes.filter((n) => n.name !== s.coordinator), ...s.nodes.filter((n) => n.name === s.coordinator)];
  return ordered.slice(0, Math.floor(s.nodes.length / 2) + 1).map((n) => n.name);
}

export function healthy(sim: SimulatorHandle): boolean {
  const s = sim.state();
  return s.leader_id !== null && s.cluster_faults.length === 0 && s.nodes.every((n) => n.faults.length === 0);
}

/**
 * What the alert's rule sees (runbook §7, from the nodes' own /status): a leader and every node in
 * the mesh. A node only the worker cannot reach (blind-to-worker) is alive to the cluster.
 */
export function clusterSeesHealthy(sim: SimulatorHandle): boolean {
  const s = sim.state();
  return s.leader_id !== null && s.cluster_faults.length === 0 && s.nodes.every((n) => n.faults.every((f) => f === 'blind-to-worker'));
}

export async function settle(sim: SimulatorHandle, signal: AbortSignal): Promise<void> {
  const until = Date.now() + SETTLE_MS;
  while (!healthy(sim) && Date.now() < until && !signal.aborted) await delay(200);
}

export function twinAfter(sim: SimulatorHandle, mark: number): { faults: string[]; leader: string | null; commands: TwinCommand[] } {
  const s = sim.state();
  return {
    faults: [...s.cluster_faults.map((f) => `cluster:${f}`), ...s.nodes.flatMap((n) => n.faults.map((f) => `${n.name}:${f}`))],
    leader: s.leader_id,
    commands: sim.cluster.mutations
      .slice(mark)
      .filter((m) => m.source !== 'control')
      .map((m) => ({ node: m.node, source: m.source, command: m.command })),
  };
}
