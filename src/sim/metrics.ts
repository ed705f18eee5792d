// GET :8770/metrics of a simulated node: the P2P daemon's view in Prometheus text format, what
// the runbook's §5.1 scrape job collects and the alert rules of `runbook config prometheus` read.
// Values come from the same model as `/status`, so they follow the faults: p2p-down closes the
// port (the scrape fails), a partitioned node sees only itself, leader-lost leaves no leader
// known, and a stalled sync keeps its progress flat.
import type { SimCluster } from './cluster.js';
import type { SimNode } from './state-types.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  name: string;
  help: string;
  samples: Array<{ labels?: Record<string, string>; value: number }>;
}

/** Label values are node names and category names, but escape them anyway (text format rules). */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function render(families: Family[]): string {
  let out = '';
  for (const f of families) {
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n`;
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const l = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
      out += `${f.name}${l} ${s.value}\n`;
    }
  }
  return out;
}

const flag = (b: boolean): number => (b ? 1 : 0);

/** The `/metrics` body of `node`. */
export function nodeMetricsText(cluster: SimCluster, node: SimNode): string {
  const v = cluster.viewFrom(node);
  const families: Family[] = [
    { name: 'p2p_alive_peers', help: 'Peers this node sees alive in the P2P mesh, itself included.', samples: [{ value: v.alive_peers }] },
    { name: 'p2p_total_peers', help: 'Peers this node knows of in the P2P mesh, itself included.', samples: [{ value: v.total_peers }] },
    { name: 'p2p_voters_alive', help: 'Voter nodes this node sees alive.', samples: [{ value: v.voters_alive }] },
    { name: 'p2p_voters_configured', help: 'Voter nodes of the cluster (election quorum, runbook §9).', samples: [{ value: v.voters_total }] },
    { name: 'p2p_leader_known', help: '1 when this node knows a cluster leader, else 0.', samples: [{ value: flag(v.leader_id !== null) }] },
    { name: 'p2p_is_leader', help: '1 when this node is the cluster leader.', samples: [{ value: flag(v.role === 'leader') }] },
    { name: 'p2p_is_voter', help: '1 when this node is a voter (its role is voter, 0 means worker).', samples: [{ value: flag(node.voter) }] },
    {
      name: 'p2p_node_info',
      help: 'Constant 1, labelled with the node id and its configured role (voter or worker).',
      samples: [{ labels: { node_id: node.name, role: node.voter ? 'voter' : 'worker' }, value: 1 }],
    },
    { name: 'p2p_uptime_seconds', help: 'Seconds since the P2P daemon started.', samples: [{ value: v.uptime_s }] },
  ];
  // Data sync is driven by the coordinator (§4.4 runs against its admin API): only it reports
  // sync progress, so a stall raises one alert, not one per node.
  if (node === cluster.coordinator) {
    const sync = cluster.syncStatus();
    const cats = Object.entries(sync.categories);
    families.push(
      {
        name: 'p2p_sync_progress_ratio',
        help: 'Progress of the current (or last) sync of each data category, 0 to 1.',
        samples: cats.map(([category, c]) => ({ labels: { category }, value: c.progress })),
      },
      {
        name: 'p2p_sync_pending_items',
        help: 'Items of each data category still to sync.',
        samples: cats.map(([category, c]) => ({ labels: { category }, value: c.pending })),
      },
      {
        name: 'p2p_sync_last_success_timestamp_seconds',
        help: 'Unix time of the last completed sync of each data category.',
        samples: cats
          .filter(([, c]) => c.last_sync_at !== null)
          .map(([category, c]) => ({ labels: { category }, value: Date.parse(c.last_sync_at!) / 1000 })),
      },
      { name: 'p2p_sync_in_progress', help: '1 while a sync is running.', samples: [{ value: flag(sync.in_progress) }] },
    );
  }
  return render(families);
}
