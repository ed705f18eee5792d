// The connectivity-incident workflow's input and result (DESIGN §9). Pure data: the webhook
// builds the input, the workflow reads it, tests and the CLI read the result.
import type { IncidentMode, RoutableProcedure } from './alert-routing.js';

/** One Alertmanager alert occurrence, as much of it as the incident keeps (no annotations). */
export interface AlertRef {
  alertname: string;
  fingerprint: string;
  startsAt: string;
  status: 'firing' | 'resolved';
  /** The routed labels only, capped plain text: for the record, never for a shell. */
  labels: Record<string, string>;
  generatorURL?: string;
  /** The configured node a node-targeted alert names (validated by the webhook). */
  node?: string;
}

/** An alert occurrence that joined a running incident after the one that opened it. */
export interface JoinedOccurrence {
  alertname: string;
  fingerprint: string;
  startsAt: string;
  node?: string;
  /** The round that was next when it joined: the diagnose of that round looks at it. */
  round: number;
}

export type ChildStatus = 'running' | 'completed' | 'escalated' | 'failed';

export interface IncidentChild {
  workflowId: string;
  procedure: string;
  node?: string;
  /** Remediation round (1-based); diagnoses carry the round they start. */
  round: number;
  status: ChildStatus;
  summary?: string;
  /** Web UI link, when the webhook told the incident where the UI is. */
  url?: string;
}

export interface IncidentDetails {
  outcome: 'resolved' | 'escalated';
  alertname: string;
  target: string;
  mode: IncidentMode;
  rounds: number;
  /**
   * `alert` signals received, the one delivered with the start included: one per firing
   * signal-with-start from the webhook. Identical posts that shared a call in flight, or came
   * within a minute of the call that recorded them, count once (src/webhook/coalesce-fires.ts),
   * so this counts calls, not Alertmanager's posts.
   */
  repeats: number;
  /** True when Alertmanager's `resolved` came before the incident finished. */
  resolvedByAlertmanager: boolean;
  children: IncidentChild[];
  /** Further occurrences that joined (one cluster problem, one incident: DESIGN §8). */
  joined?: JoinedOccurrence[];
}

export const CLUSTER_TARGET = 'cluster';

/**
 * The workflow ID of "the open cluster incident": every cluster-targeted occurrence in remediate
 * mode is signal-with-started on it, so the server, not a query, decides atomically whether it
 * opens one or joins the one that is open (src/webhook/temporal-intake.ts, docs/reference/alert-routing.md).
 */
export const CLUSTER_INCIDENT_ID = 'incident-cluster';
export type { RoutableProcedure };
