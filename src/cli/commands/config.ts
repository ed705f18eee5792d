// `runbook config validate [FILE]` and `runbook config prometheus` (runbook §5.1).
import type { Command } from 'commander';
import { DEFAULT_TOKEN_FILE } from '../../alerting/alertmanager-config.js';
import { alertingConfigFiles, OutDirError, writeConfigFiles } from '../../alerting/config-files.js';
import {
  ALERTMANAGER_WEBHOOK_PATH,
  DEFAULT_ALERTMANAGER_TARGET,
  DEFAULT_WEBHOOK_URL,
  EndpointError,
  parseTarget,
  parseWebhookBase,
} from '../../alerting/endpoints.js';
import { type AlertingTiming, PRODUCTION_TIMING, scaleTiming } from '../../alerting/timing.js';
import { DEFAULT_HOSTS_FILE, DEFAULT_POLICY_FILE } from '../../config/default-files.js';
import { DEFAULT_WORKER_METRICS_TARGET, prometheusScrapeConfig } from '../../config/prometheus.js';
import { UsageError } from '../errors.js';

/** runbook.yaml is recognised by its name; anything else is a hosts file. */
function isPolicyFile(file: string): boolean {
  return /(^|\/)runbook\.ya?ml$/.test(file);
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('validate config files, render derived config');

  config
    .command('validate')
    .description(
      'validate a config file (default: both config/distributed_hosts.yaml and config/runbook.yaml);\n' +
        'errors name the file, the YAML path and the line, and exit 2',
    )
    .argument('[file]', 'a hosts file, or a policy file (named runbook.yaml, or with --policy)')
    .option('--policy', 'FILE is a policy file whatever its name')
    .action(async (file: string | undefined, flags: { policy?: boolean }) => {
      const { loadCluster, loadPolicy } = await import('../../config/loader.js');
      const files =
        file !== undefined
          ? [file]
          : [process.env['RUNBOOK_CONFIG'] ?? DEFAULT_HOSTS_FILE, process.env['RUNBOOK_POLICY'] ?? DEFAULT_POLICY_FILE];
      for (const f of files) {
        if (isPolicyFile(f) || (flags.policy && file !== undefined) || (file === undefined && f === files[1])) {
          loadPolicy(f);
          console.log(`${f}: ok (policy)`);
        } else {
          const cluster = loadCluster(f);
          console.log(
            `${f}: ok (${cluster.hosts.length} hosts, ${cluster.voter_nodes.length} voters, backbone ${cluster.backbone})`,
          );
        }
      }
    });

  config
    .command('prometheus')
    .description(
      'print a prometheus.yml: the §5.1 scrape job for every host of the config, and the workers\' SDK metrics;\n' +
        'with --out DIR, write DIR/prometheus.yml, DIR/rules/runbook.rules.yml (the five alerts of §7) and\n' +
        'DIR/alertmanager.yml (a receiver posting to the webhook with its bearer token read from --token-file)',
    )
    .option('--config <file>', 'hosts file', process.env['RUNBOOK_CONFIG'] ?? DEFAULT_HOSTS_FILE)
    .option('--policy <file>', 'policy file (escalation.unreachable_fraction feeds ClusterHealthCritical)', process.env['RUNBOOK_POLICY'] ?? DEFAULT_POLICY_FILE)
    .option('--worker <host:port...>', 'worker metrics endpoints (runbook worker --metrics)', [DEFAULT_WORKER_METRICS_TARGET])
    .option('--webhook <url>', `the alert webhook's base URL: its /metrics is scraped, Alertmanager posts to <url>${ALERTMANAGER_WEBHOOK_PATH} (default with --out: ${DEFAULT_WEBHOOK_URL})`)
    .option('--out <dir>', 'write prometheus.yml, rules/runbook.rules.yml and alertmanager.yml into this directory (atomically)')
    .option('--alertmanager <host:port>', `the Alertmanager Prometheus sends alerts to (with --out; default ${DEFAULT_ALERTMANAGER_TARGET})`)
    .option('--token-file <path>', `file Alertmanager reads the webhook token from, relative to alertmanager.yml (with --out; default ${DEFAULT_TOKEN_FILE})`)
    .option('--time-scale <factor>', 'multiply every interval and rule duration (production values at 1; e.g. 0.02 for tests)', '1')
    .action(async (opts: PrometheusFlags) => {
      const o = checkPrometheusFlags(opts);
      const { loadCluster, loadPolicy } = await import('../../config/loader.js');
      const cluster = loadCluster(opts.config);
      if (o.out === undefined) {
        process.stdout.write(prometheusScrapeConfig(cluster, { workerTargets: o.workers, timing: o.timing, ...(o.webhookBase && { webhookBase: o.webhookBase }) }));
        return;
      }
      const files = alertingConfigFiles(cluster, {
        timing: o.timing,
        workerTargets: o.workers,
        webhookBase: o.webhookBase ?? parseWebhookBase(DEFAULT_WEBHOOK_URL),
        alertmanagerTarget: o.alertmanager,
        tokenFile: o.tokenFile,
        unreachableFraction: loadPolicy(opts.policy).escalation.unreachableFraction,
      });
      let written: string[];
      try {
        written = writeConfigFiles(o.out, files);
      } catch (e) {
        if (e instanceof OutDirError) throw new UsageError(e.message);
        throw new UsageError(`--out: cannot write into ${o.out}: ${e instanceof Error ? e.message : String(e)}`);
      }
      for (const f of written) console.log(`wrote ${f}`);
    });
}

interface PrometheusFlags {
  config: string;
  policy: string;
  worker: string[];
  webhook?: string;
  out?: string;
  alertmanager?: string;
  tokenFile?: string;
  timeScale: string;
}

/** Every flag of `config prometheus` checked, each error naming its flag (exit 2). */
function checkPrometheusFlags(f: PrometheusFlags): {
  workers: string[];
  webhookBase: URL | undefined;
  out: string | undefined;
  alertmanager: string;
  tokenFile: string;
  timing: AlertingTiming;
} {
  try {
    if (f.out === undefined) {
      const stray = f.alertmanager !== undefined ? '--alertmanager' : f.tokenFile !== undefined ? '--token-file' : undefined;
      if (stray !== undefined) throw new UsageError(`${stray} only applies with --out DIR (without it only prometheus.yml is printed)`);
    } else if (f.out.trim() === '') {
      throw new UsageError('--out: expected a directory, got an empty string');
    }
    const scale = Number(f.timeScale);
    if (f.timeScale.trim() === '' || !Number.isFinite(scale) || scale <= 0) {
      throw new UsageError(`--time-scale: expected a positive number (1 = production durations), got "${f.timeScale}"`);
    }
    const tokenFile = f.tokenFile ?? DEFAULT_TOKEN_FILE;
    if (tokenFile.trim() === '' || /[\n\r]/.test(tokenFile)) throw new UsageError(`--token-file: expected a file path, got ${JSON.stringify(tokenFile)}`);
    return {
      workers: f.worker.map((w) => parseTarget(w, '--worker')),
      webhookBase: f.webhook === undefined ? undefined : parseWebhookBase(f.webhook, '--webhook'),
      out: f.out,
      alertmanager: parseTarget(f.alertmanager ?? DEFAULT_ALERTMANAGER_TARGET, '--alertmanager'),
      tokenFile,
      timing: scaleTiming(PRODUCTION_TIMING, scale),
    };
  } catch (e) {
    if (e instanceof EndpointError) throw new UsageError(e.message);
    throw e;
  }
}
