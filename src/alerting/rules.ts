// rules/runbook.rules.yml: the runbook's five alerts as Prometheus alerting rules over the P2P
// daemons' metrics (the §5.1 job, `job="ringrift-cluster"`, every target labelled with its node
// name). An alert about one node carries that node's name in `node`, which the webhook maps to a
// configured node (DESIGN §8); cluster-wide alerts carry no `node`.
import yaml from 'js-yaml';
import { type AlertingTiming, type AlertName, ALERT_NAMES, promDuration } from './timing.js';

export const CLUSTER_JOB = 'ringrift-cluster';
export const RULES_FILE = 'rules/runbook.rules.yml';
export const RULE_GROUP = 'runbook-cluster-connectivity';

export interface RuleOptions {
  timing: AlertingTiming;
  /** §6.1 "More than 50% of nodes unreachable" (policy `escalation.unreachable_fraction`). */
  unreachableFraction: number;
}

interface AlertRule {
  alert: AlertName;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const RUNBOOK = 'cluster-connectivity-runbook.md';
// From the runbook's header, so Alertmanager can route on them like on any other team's alerts.
const COMMON_LABELS = { team: 'ai-service', component: 'distributed-infrastructure' };

function expressions(o: RuleOptions): Record<AlertName, string> {
  const sel = `{job="${CLUSTER_JOB}"}`;
  const w = promDuration(o.timing.syncStallWindowMs);
  return {
    // §3.1/§3.2: the node's P2P port does not answer (daemon down, Tailscale down, host down).
    ClusterConnectivityDegraded: `up${sel} == 0`,
    // §4.5: the node answers but sees fewer peers than the best-connected node does: it is out of
    // the mesh (partitioned). A node that is merely down is ClusterConnectivityDegraded instead.
    NodeEvicted: `p2p_alive_peers${sel} < on() group_left() max(p2p_alive_peers${sel})`,
    // §4.4: a sync that is not complete and whose progress has not moved for the whole window;
    // one alert for the sync host (the coordinator), valued with the number of stuck categories.
    SyncHostCritical:
      `count by (job, instance, node) (\n` +
      `  (max_over_time(p2p_sync_progress_ratio${sel}[${w}]) - min_over_time(p2p_sync_progress_ratio${sel}[${w}])) == 0\n` +
      `  and on (job, instance, node, category) p2p_sync_progress_ratio${sel} < 1\n)`,
    // §4.3: no node that answers knows a leader. A partitioned node alone does not count.
    LeaderElectionStalled: `max(p2p_leader_known${sel}) == 0`,
    // §6.1: more than the policy's fraction of nodes unreachable, or the voters lost quorum.
    ClusterHealthCritical:
      `(sum(1 - up${sel}) / count(up${sel}) > ${o.unreachableFraction})\n` +
      `or\n(max(p2p_voters_alive${sel}) * 2 <= max(p2p_voters_configured${sel}))`,
  };
}

const DETAILS: Record<AlertName, { severity: string; summary: string; description: string; section: string }> = {
  ClusterConnectivityDegraded: {
    severity: 'high',
    summary: 'P2P daemon of {{ $labels.node }} unreachable',
    description: 'Prometheus cannot scrape {{ $labels.instance }} (the P2P port of {{ $labels.node }}): daemon down, Tailscale down or host down.',
    section: '§3, §4.1, §4.2',
  },
  NodeEvicted: {
    severity: 'high',
    summary: '{{ $labels.node }} is out of the P2P mesh',
    description: '{{ $labels.node }} sees {{ $value }} alive peers, fewer than the rest of the cluster: it is partitioned.',
    section: '§4.5',
  },
  SyncHostCritical: {
    severity: 'high',
    summary: 'Data sync stalled on {{ $labels.node }}',
    description: '{{ $value }} data categories have made no sync progress on {{ $labels.node }}.',
    section: '§4.4',
  },
  LeaderElectionStalled: {
    severity: 'high',
    summary: 'No P2P cluster leader',
    description: 'No node that answers knows a cluster leader.',
    section: '§4.3',
  },
  ClusterHealthCritical: {
    severity: 'critical',
    summary: 'Cluster health critical',
    description: 'More than the escalation threshold of nodes are unreachable, or the voters lost quorum: escalate (§6.1).',
    section: '§6.1',
  },
};

export function alertRules(o: RuleOptions): AlertRule[] {
  const expr = expressions(o);
  return ALERT_NAMES.map((name) => ({
    alert: name,
    expr: expr[name],
    for: promDuration(o.timing.forMs[name]),
    labels: { severity: DETAILS[name].severity, ...COMMON_LABELS },
    annotations: {
      summary: DETAILS[name].summary,
      description: DETAILS[name].description,
      runbook: `${RUNBOOK} ${DETAILS[name].section}`,
    },
  }));
}

/** The text of rules/runbook.rules.yml. */
export function alertRulesYaml(o: RuleOptions): string {
  const doc = { groups: [{ name: RULE_GROUP, interval: promDuration(o.timing.evaluationIntervalMs), rules: alertRules(o) }] };
  return '# Written by `runbook config prometheus --out`: the runbook\'s five alerts (§7).\n' + yaml.dump(doc, { lineWidth: 200 });
}
