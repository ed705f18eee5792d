// How an Alertmanager alert becomes work (DESIGN §8): which procedure its incident runs, which
// label names the node, which labels are copied into the input. Pure data; the zod schema in
// src/config/schema.ts reads its defaults from here (one source for each default).
import type { RemedyName } from './report.js';

/** Procedures an alert may be routed to: the incident itself or one recovery procedure. */
export const ROUTABLE_PROCEDURES = [
  'connectivity-incident',
  'restart-p2p',
  'fix-tailscale',
  'force-election',
  'repair-sync',
  'recover-node',
  'update-hosts',
] as const satisfies ReadonlyArray<RemedyName | 'connectivity-incident'>;
export type RoutableProcedure = (typeof ROUTABLE_PROCEDURES)[number];

/** `escalate-only`: diagnose, then page a human; nothing is changed (§7 ClusterHealthCritical). */
export type IncidentMode = 'remediate' | 'escalate-only';

export interface AlertRoute {
  procedure: RoutableProcedure;
  /** Label whose value names the node; only used when the procedure acts on one node. */
  nodeLabel: string;
  /** Labels copied (capped, as plain text) into the incident input for the record. */
  labels: string[];
  mode: IncidentMode;
}

/** §1 and §7: the runbook's own alert and the four related ones. */
export const DEFAULT_ALERT_ROUTES: Readonly<Record<string, AlertRoute>> = {
  ClusterConnectivityDegraded: { procedure: 'connectivity-incident', nodeLabel: 'node', labels: ['severity'], mode: 'remediate' },
  ClusterHealthCritical: { procedure: 'connectivity-incident', nodeLabel: 'node', labels: ['severity'], mode: 'escalate-only' },
  NodeEvicted: { procedure: 'recover-node', nodeLabel: 'node', labels: ['severity'], mode: 'remediate' },
  SyncHostCritical: { procedure: 'repair-sync', nodeLabel: 'node', labels: ['severity'], mode: 'remediate' },
  LeaderElectionStalled: { procedure: 'force-election', nodeLabel: 'node', labels: ['severity'], mode: 'remediate' },
};

export interface IncidentPolicy {
  /** Diagnose → remediate → re-diagnose rounds before the incident escalates. */
  maxRounds: number;
  /** After the cluster looks healthy, how long to wait for Alertmanager's `resolved`. */
  resolveWaitMs: number;
}

export const INCIDENT_DEFAULTS: IncidentPolicy = { maxRounds: 3, resolveWaitMs: 10 * 60_000 };
