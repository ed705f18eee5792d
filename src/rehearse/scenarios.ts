// What a rehearsal runs: a fault on the twin, what drives the fix (one procedure, the alert path,
// or the monitor), and the outcome the runbook promises. `--all` is the list below. Pure data.
import type { ProcedureName } from '../../workflows/registry.js';

/** How a rehearsal starts the work: like `runbook run`, like Alertmanager, or by the monitor noticing. */
export type Driver =
  | { kind: 'procedure'; procedure: ProcedureName }
  | { kind: 'incident'; alertname: string }
  | { kind: 'monitor' };

/**
 * `healed`: completed and the twin has no fault and a leader. `escalated`: ended escalated,
 * no command sent, the fault still there. `untouched`: did not fail, no command sent, the fault
 * still there (a node the worker cannot see but the cluster can is reported, never fixed).
 */
export type Expectation = 'healed' | 'escalated' | 'untouched';

/** Where a fault goes: one node, the cluster, or more than half of the nodes. */
export type FaultTarget = 'node' | 'cluster' | 'majority';

export interface Scenario {
  fault: string;
  target: FaultTarget;
  driver: Driver;
  expect: Expectation;
}

/** The special fault name for "more than half of the nodes' daemons down" (§6.1). */
export const MAJORITY_DOWN = 'more-than-half-down';

const CLUSTER_FAULTS = new Set(['leader-lost', 'election-stuck', 'sync-stalled', 'admin-down']);

/** The fault each procedure exists to fix; diagnose only reports it. */
export const DEFAULT_FAULT: Record<ProcedureName, string> = {
  diagnose: 'p2p-down',
  'restart-p2p': 'p2p-down',
  'fix-tailscale': 'tailscale-down',
  'recover-node': 'partition',
  'force-election': 'leader-lost',
  'repair-sync': 'sync-stalled',
  'update-hosts': 'ip-changed',
};

/** Faults no procedure may fix: a run on them must escalate, or leave the twin as it was. */
export const REFUSED: Record<string, Expectation> = {
  'host-down': 'escalated',
  [MAJORITY_DOWN]: 'escalated',
  'blind-to-worker': 'untouched',
};

export function targetOf(fault: string): FaultTarget {
  if (fault === MAJORITY_DOWN) return 'majority';
  return CLUSTER_FAULTS.has(fault) ? 'cluster' : 'node';
}

/** What the runbook promises for `fault` under `driver`: refusals first, diagnose never changes anything. */
export function expectationFor(driver: Driver, fault: string): Expectation {
  const refused = REFUSED[fault];
  if (refused !== undefined) return refused;
  if (driver.kind === 'procedure' && driver.procedure === 'diagnose') return 'untouched';
  return 'healed';
}

export function scenario(driver: Driver, fault: string): Scenario {
  return { fault, target: targetOf(fault), driver, expect: expectationFor(driver, fault) };
}

const proc = (procedure: ProcedureName): Driver => ({ kind: 'procedure', procedure });
const alert: Driver = { kind: 'incident', alertname: 'ClusterConnectivityDegraded' };

/** `runbook rehearse --all`: every procedure on the fault it fixes, the alert path, the monitor, the refusals. */
export const ALL_SCENARIOS: readonly Scenario[] = [
  scenario(proc('restart-p2p'), 'p2p-down'),
  scenario(proc('fix-tailscale'), 'tailscale-down'),
  scenario(proc('recover-node'), 'partition'),
  scenario(proc('force-election'), 'leader-lost'),
  scenario(proc('repair-sync'), 'sync-stalled'),
  scenario(proc('update-hosts'), 'ip-changed'),
  scenario(proc('diagnose'), 'p2p-down'),
  scenario(alert, 'p2p-down'),
  scenario({ kind: 'monitor' }, 'p2p-down'),
  scenario(proc('restart-p2p'), 'host-down'),
  scenario(alert, 'host-down'),
  scenario(alert, MAJORITY_DOWN),
  scenario(proc('restart-p2p'), 'blind-to-worker'),
  scenario(alert, 'blind-to-worker'),
];

/** How a scenario reads in the table's procedure column. */
export function driverLabel(d: Driver): string {
  if (d.kind === 'procedure') return d.procedure;
  if (d.kind === 'incident') return `incident ${d.alertname}`;
  return 'health-monitor';
}
