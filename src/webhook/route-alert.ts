// One alert → what to do with it (DESIGN §8): the routed procedure, the target (a configured
// node or `cluster`), the incident's workflow ID, or why it is ignored. Label values are only
// compared with configured node names and copied as capped plain text: none reaches a shell.
import type { AlertRoute, IncidentMode, RoutableProcedure } from '../domain/alert-routing.js';
import { CLUSTER_TARGET } from '../domain/incident.js';
import { capNodeText } from '../domain/node-text.js';
import { isProcedureName, PROCEDURES } from '../../workflows/registry.js';
import type { AlertmanagerAlert } from './payload.js';

export type RoutedAlert =
  | {
      kind: 'incident';
      alertname: string;
      procedure: RoutableProcedure;
      mode: IncidentMode;
      target: string;
      /**
       * The configured node the alert names: the target of a node-targeted alert, and for a
       * cluster-targeted one (the per-node ClusterConnectivityDegraded) the node its label
       * names, for the record of who joined. Never a shell argument.
       */
      node?: string;
      /** The occurrence's own incident ID (per occurrence, as before the cluster incident). */
      workflowId: string;
      /** How the occurrence relates to the open cluster incident (CLUSTER_INCIDENT_ID), if at all. */
      clusterIncident?: ClusterIncidentRole;
      labels: Record<string, string>;
    }
  | { kind: 'ignored'; alertname: string; reason: string };

/**
 * `opens`: a cluster-targeted occurrence in remediate mode opens the cluster incident or joins
 * the open one. `joins`: a node-targeted one in remediate mode joins an open cluster incident
 * (which covers every node: it remediates whatever its diagnose finds) and otherwise gets its
 * own. Escalate-only occurrences change nothing, so they never fan out and keep their own.
 */
export type ClusterIncidentRole = 'opens' | 'joins';

/** Quoted for a reason: capped, control characters replaced, JSON-quoted. */
const quote = (s: string): string => JSON.stringify(capNodeText(s, 64));

export function routeAlert(alert: AlertmanagerAlert, routes: Record<string, AlertRoute>, nodes: ReadonlySet<string>): RoutedAlert {
  const alertname = alert.labels['alertname'] ?? '';
  const route = Object.hasOwn(routes, alertname) ? routes[alertname] : undefined;
  if (!route) {
    return { kind: 'ignored', alertname, reason: `no route for alert ${quote(alertname)} (config/runbook.yaml alerts:)` };
  }
  let target = CLUSTER_TARGET;
  const named = alert.labels[route.nodeLabel];
  let node = named !== undefined && nodes.has(named) ? named : undefined;
  if (isProcedureName(route.procedure) && PROCEDURES[route.procedure].needsNode) {
    const value = alert.labels[route.nodeLabel];
    if (value === undefined) {
      return { kind: 'ignored', alertname, reason: `${route.procedure} needs the label "${route.nodeLabel}" naming a node; the alert has none` };
    }
    // Only a configured node name goes on: `n1; rm -rf /` or `../../etc` is simply not one.
    if (!nodes.has(value)) {
      return { kind: 'ignored', alertname, reason: `label ${route.nodeLabel}=${quote(value)} names no configured node` };
    }
    target = value;
    node = value;
  }
  const labels: Record<string, string> = { alertname: capNodeText(alertname) };
  for (const name of route.labels) {
    const v = alert.labels[name];
    if (v !== undefined) labels[name] = capNodeText(v);
  }
  return {
    kind: 'incident',
    alertname,
    procedure: route.procedure,
    mode: route.mode,
    target,
    ...(node !== undefined && { node }),
    workflowId: incidentWorkflowId(route.procedure, route.mode, target, alert.startsAt),
    ...(route.mode === 'remediate' && { clusterIncident: target === CLUSTER_TARGET ? 'opens' : 'joins' }),
    labels,
  };
}

/**
 * One alert occurrence, one incident: the ID names the routed procedure (and escalate-only),
 * the target and `startsAt` (UTC, digits only). Alertmanager keeps `startsAt` across repeats
 * and resolution, and a re-fire gets a new one, so a new incident.
 */
export function incidentWorkflowId(procedure: RoutableProcedure, mode: IncidentMode, target: string, startsAt: string): string {
  const stamp = new Date(startsAt).toISOString().replace(/[^0-9TZ]/g, '');
  return `incident-${procedure}${mode === 'escalate-only' ? '-escalate-only' : ''}-${target}-${stamp}`;
}
