import yaml from 'js-yaml';
import { WEBHOOK_METRICS_PATH } from '../alerting/endpoints.js';
import { CLUSTER_JOB, RULES_FILE } from '../alerting/rules.js';
import { type AlertingTiming, PRODUCTION_TIMING, promDuration } from '../alerting/timing.js';
import type { ClusterSpec } from '../domain/cluster-spec.js';

/** Where `runbook worker --metrics` serves the SDK's Prometheus metrics unless told otherwise. */
export const DEFAULT_WORKER_METRICS_TARGET = 'localhost:9464';

export interface ScrapeOptions {
  /** The runbook workers' SDK metrics; an empty list leaves the job out. */
  workerTargets?: readonly string[];
  /** The alert webhook's base URL: its `/metrics` is scraped. */
  webhookBase?: URL;
  timing?: AlertingTiming;
  /** Load the alert rules and send alerts to this Alertmanager (host:port). */
  alerting?: { alertmanagerTarget: string };
}

const hostPort = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * A complete prometheus.yml: the §5.1 job with every host's P2P port as a target (instead of
 * "... all nodes"), each labelled with its node name so alerts can say which node; the runbook
 * workers' SDK metrics and the webhook's own (DESIGN §10); with `alerting`, the rule file and
 * the Alertmanager to notify.
 */
export function prometheusScrapeConfig(cluster: ClusterSpec, opts: ScrapeOptions = {}): string {
  const t = opts.timing ?? PRODUCTION_TIMING;
  const interval = promDuration(t.scrapeIntervalMs);
  const timeout = promDuration(t.scrapeTimeoutMs);
  const cluster51 = {
    job_name: CLUSTER_JOB,
    static_configs: cluster.hosts.map((h) => ({
      targets: [hostPort(h.host, h.ports.p2p)],
      labels: { cluster: 'ringrift', node: h.name },
    })),
    metrics_path: '/metrics',
    scrape_interval: interval,
    scrape_timeout: timeout,
  };
  const jobs: object[] = [cluster51];
  const workers = opts.workerTargets ?? [DEFAULT_WORKER_METRICS_TARGET];
  if (workers.length > 0) {
    jobs.push({ job_name: 'runbook-worker', static_configs: [{ targets: [...workers] }], metrics_path: '/metrics' });
  }
  if (opts.webhookBase !== undefined) {
    const u = opts.webhookBase;
    const prefix = u.pathname.replace(/\/+$/, '');
    jobs.push({
      job_name: 'runbook-webhook',
      scheme: u.protocol.replace(':', ''),
      static_configs: [{ targets: [u.port === '' ? `${u.hostname}:${u.protocol === 'https:' ? 443 : 80}` : u.host] }],
      metrics_path: `${prefix}${WEBHOOK_METRICS_PATH}`,
    });
  }
  const doc: Record<string, unknown> = {
    global: { scrape_interval: interval, scrape_timeout: timeout, evaluation_interval: promDuration(t.evaluationIntervalMs) },
  };
  if (opts.alerting !== undefined) {
    doc['rule_files'] = [RULES_FILE];
    doc['alerting'] = { alertmanagers: [{ static_configs: [{ targets: [opts.alerting.alertmanagerTarget] }] }] };
  }
  doc['scrape_configs'] = jobs;
  return yaml.dump(doc, { lineWidth: 120 });
}
