import yaml from 'js-yaml';
import type { ClusterSpec } from '../domain/cluster.js';

/** The §5.1 scrape job, with every host's P2P port as a target (instead of "... all nodes"). */
export function prometheusScrapeConfig(cluster: ClusterSpec): string {
  const job = {
    job_name: 'ringrift-cluster',
    static_configs: [
      {
        targets: cluster.hosts.map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.ports.p2p}`),
        labels: { cluster: 'ringrift' },
      },
    ],
    metrics_path: '/metrics',
    scrape_interval: '30s',
  };
  return yaml.dump([job], { lineWidth: 120 });
}
