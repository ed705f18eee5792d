// `runbook worker`: the production worker. Connects through the envconfig profile (DESIGN §10),
// loads the prebuilt workflow bundle of the compiled build, exposes Core's Prometheus metrics.
import type { Command } from 'commander';
import { DEFAULT_HOSTS_FILE } from '../../config/default-files.js';
import { LOG_FORMATS, type LogFormat, RunbookLogger } from '../../logging/logger.js';
import { notificationSecretEnv, secretsFromEnv } from '../../logging/redact.js';
import type { TemporalSettings } from '../../temporal/settings.js';
import { policyFor } from '../context.js';
import { UsageError } from '../errors.js';

interface WorkerFlags {
  config?: string;
  policy?: string;
  metrics?: string;
  logFormat: string;
  bundleWorkflows?: boolean;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run the worker on the task queue "cluster-runbooks". Temporal connection: the temporal.toml\n' +
        'profile ($TEMPORAL_PROFILE, $TEMPORAL_CONFIG_FILE) and TEMPORAL_* variables, default 127.0.0.1:7233.\n' +
        'Hosts file: --config or $RUNBOOK_CONFIG; admin key: $RUNBOOK_ADMIN_KEY. SIGINT/SIGTERM drain it.',
    )
    .option('--config <file>', 'hosts file')
    .option('--policy <file>', 'runbook policy')
    .option('--metrics <host:port>', 'serve Prometheus metrics on http://HOST:PORT/metrics (default: $RUNBOOK_METRICS_ADDRESS, else off)')
    .option('--log-format <format>', 'text (human-readable) or json (one object per line)', process.env['RUNBOOK_LOG_FORMAT'] ?? 'text')
    .option('--bundle-workflows', 'bundle the workflow code at start even when the build has a prebuilt bundle')
    .action(async (flags: WorkerFlags) => {
      if (!LOG_FORMATS.includes(flags.logFormat as LogFormat)) {
        throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${flags.logFormat}"`);
      }
      // Never the dev stack's simulated cluster: a production worker names its hosts file.
      const hostsFile = flags.config ?? process.env['RUNBOOK_CONFIG'] ?? DEFAULT_HOSTS_FILE;
      const { loadCluster } = await import('../../config/loader.js');
      loadCluster(hostsFile); // config errors exit 2 before connecting
      const policy = await policyFor(flags.policy);
      // Loaded on use: envconfig and the native bridge stay out of `runbook --help` (DESIGN §10).
      const { ConnectionConfigError } = await import('../../temporal/connection-config.js');
      const { TASK_QUEUE, temporalSettings } = await import('../../temporal/settings.js');
      let settings: TemporalSettings;
      try {
        settings = temporalSettings();
      } catch (err) {
        if (err instanceof ConnectionConfigError) throw new UsageError(err.message);
        throw err;
      }
      const metricsFlag = flags.metrics ?? process.env['RUNBOOK_METRICS_ADDRESS'];

      // Heavy modules (native bridge, activities) load only for this command.
      const { installWorkerRuntime, metricsBindAddress } = await import('../../worker/runtime.js');
      const { activityDeps } = await import('../../worker/deps.js');
      const { connectWorker, createRunbookWorker, prebuiltBundle } = await import('../../worker/worker.js');
      let metricsAddress: string | undefined;
      try {
        metricsAddress = metricsFlag === undefined || metricsFlag === '' ? undefined : metricsBindAddress(metricsFlag);
      } catch (err) {
        throw new UsageError(`--metrics / RUNBOOK_METRICS_ADDRESS: ${(err as Error).message}`);
      }
      const logger = new RunbookLogger({ format: flags.logFormat as LogFormat, secrets: secretsFromEnv(process.env, notificationSecretEnv(policy.notifications)) });
      installWorkerRuntime({ logger, metricsAddress });

      let connection;
      try {
        connection = await connectWorker(settings.connection);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const bundle = flags.bundleWorkflows ? undefined : prebuiltBundle();
      const worker = await createRunbookWorker({
        connection,
        namespace: settings.namespace,
        deps: activityDeps({ hostsFile, policy, adminKey: process.env['RUNBOOK_ADMIN_KEY'] }),
        ...(bundle && { workflowBundle: bundle }),
      });
      const running = worker.run();
      logger.info('worker ready', {
        address: settings.address,
        namespace: settings.namespace,
        connection: settings.connection.origin,
        taskQueue: TASK_QUEUE,
        hostsFile,
        workflows: bundle ? 'prebuilt bundle' : 'bundled at start',
        metrics: metricsAddress ? `http://${metricsAddress}/metrics` : 'off',
      });
      try {
        await running;
      } finally {
        await connection.close();
      }
    });
}
