import yaml from 'js-yaml';
import type { ClusterSpec } from '../domain/cluster-spec.js';

/** Where `runbook worker --metrics` serves the SDK's Prometheus metrics unless told otherwise. */
export const DEFAULT_WORKER_METRICS_TARGET = 'localhost:9464';

/**
 * A complete prometheus.yml: the §5.1 job with every host's P2P port as a target (instead of
 * "... all nodes"), and the runbook workers' SDK metrics (DESIGN §10).
 */
export function prometheusScrapeConfig(cluster: ClusterSpec, opts: { workerTargets?: readonly string[] } = {}): string {
  const cluster51 = {
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
  const workers = {
    job_name: 'runbook-worker',
    static_configs: [{ targets: [...(opts.workerTargets ?? [DEFAULT_WORKER_METRICS_TARGET])] }],
    metrics_path: '/metrics',
    scrape_interval: '15s',
  };
  return yaml.dump({ global: { scrape_interval: '30s' }, scrape_configs: [cluster51, workers] }, { lineWidth: 120 });
}
