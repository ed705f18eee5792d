// `runbook dev` (npm start): the embedded stack. Temporal dev server + simulated cluster +
// worker in one command; Ctrl-C stops everything and leaves no process behind.
import { join } from 'node:path';
import type { Command } from 'commander';
import { ALERTMANAGER_WEBHOOK_PATH, DEFAULT_WEBHOOK_PORT, webhookUrl } from '../../alerting/endpoints.js';
import { DEFAULT_POLICY_FILE } from '../../config/default-files.js';
import { PROJECT_ROOT } from '../../temporal/binaries.js';
import { recordDevHostsFile } from '../context.js';
import { UsageError } from '../errors.js';
import { checkDevAlerting } from './dev-alerting.js';

interface DevOptions {
  config?: string;
  sim: string;
  policy: string;
  port: string;
  uiPort: string;
  dataDir: string;
  simDir: string;
  subnet: string;
  alerting?: boolean;
  webhookUrl?: string;
  alertingTimeScale: string;
  webhookPort: string;
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description(
      'run the embedded stack: Temporal dev server (SQLite in .data/, Web UI), a simulated\n' +
        'cluster (unless --config names a real one) and the worker. Ctrl-C stops everything.',
    )
    .option('--config <file>', 'use this hosts file instead of a simulated cluster')
    .option('--sim <nodes>', 'size of the simulated cluster', '8')
    .option('--policy <file>', 'runbook policy', process.env['RUNBOOK_POLICY'] ?? DEFAULT_POLICY_FILE)
    .option('--port <port>', 'Temporal frontend port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--data-dir <dir>', 'Temporal SQLite state', join(PROJECT_ROOT, '.data'))
    .option('--sim-dir <dir>', 'simulated cluster files (hosts file, keys)', join(PROJECT_ROOT, '.sim'))
    .option('--subnet <n>', 'simulated cluster addresses 127.<n>.x.y', '10')
    .option('--alerting', "also run Debian's prometheus and prometheus-alertmanager against the cluster and the webhook")
    .option('--webhook-url <url>', `with --alerting: post alerts to this webhook (<url>${ALERTMANAGER_WEBHOOK_PATH}) instead of this stack's own`)
    .option('--alerting-time-scale <factor>', 'with --alerting: scale of the production scrape, rule and group durations', '0.1')
    .option('--webhook-port <port>', 'alert webhook port on 127.0.0.1 (0: any free port)', String(DEFAULT_WEBHOOK_PORT))
    .action(async (opts: DevOptions) => {
      const nodes = Number(opts.sim);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > 1000) throw new UsageError(`--sim must be 1..1000, got "${opts.sim}"`);
      // Before anything starts: a missing binary or a bad flag is a usage error (exit 2).
      const alerting = opts.alerting === true ? checkDevAlerting(opts) : undefined;
      // Heavy modules (native Temporal bridge, simulator) load only for this command.
      const { startDevServer } = await import('../../dev/dev-server.js');
      const { startSimulator } = await import('../../sim/index.js');
      const { activityDeps } = await import('../../worker/deps.js');
      const { connectWorker, createRunbookWorker } = await import('../../worker/worker.js');
      const { DefaultLogger, Runtime } = await import('@temporalio/worker');
      const { TASK_QUEUE } = await import('../../temporal/settings.js');
      // Worker lifecycle chatter would bury the lines an operator needs; warnings still show.
      Runtime.install({ logger: new DefaultLogger('WARN') });
      const webhookPort = Number(opts.webhookPort);
      if (!Number.isInteger(webhookPort) || webhookPort < 0 || webhookPort > 65535) {
        throw new UsageError(`--webhook-port must be 0..65535, got "${opts.webhookPort}"`);
      }
      const { loadCluster, loadPolicy } = await import('../../config/loader.js');
      const policy = loadPolicy(opts.policy);
      if (opts.config) loadCluster(opts.config); // fail fast with the config error, exit 2

      // The simulator's well-known key is for the simulator only: a real cluster's admin API must
      // never receive it, so --config needs the real key.
      const adminKey = process.env['RUNBOOK_ADMIN_KEY'] ?? (opts.config ? undefined : 'sim-admin-key');
      if (adminKey === undefined) throw new UsageError('--config names a real cluster: set $RUNBOOK_ADMIN_KEY to its admin API key (the simulator\'s default key is never sent to a real cluster)');
      const cleanups: Array<() => Promise<void>> = [];
      try {
        const server = await startDevServer({
          dataDir: opts.dataDir,
          port: Number(opts.port),
          uiPort: Number(opts.uiPort),
        });
        cleanups.push(server.stop);
        let hostsFile: string;
        if (opts.config) {
          hostsFile = opts.config;
        } else {
          const sim = await startSimulator({ nodes, outDir: opts.simDir, subnet: Number(opts.subnet), adminKey });
          cleanups.push(() => sim.stop());
          hostsFile = sim.hostsFile;
          console.log(`simulated cluster: ${nodes} nodes, hosts file ${hostsFile}`);
        }
        recordDevHostsFile(opts.dataDir, hostsFile);
        // §8: the alert webhook, so Alertmanager (or curl) can open incidents on this stack.
        const { devWebhookToken } = await import('../../webhook/dev-token.js');
        const { startWebhookServer } = await import('../../webhook/server.js');
        const { Client, Connection } = await import('@temporalio/client');
        const { watchedCluster } = await import('../../worker/deps.js');
        const token = devWebhookToken(opts.dataDir);
        const clientConnection = await Connection.connect({ address: server.address });
        cleanups.push(() => clientConnection.close());
        const webhook = await startWebhookServer({
          client: new Client({ connection: clientConnection, namespace: 'default' }),
          taskQueue: TASK_QUEUE,
          cluster: watchedCluster(hostsFile),
          policy,
          token: token.value,
          uiUrl: server.uiUrl,
          port: webhookPort,
        });
        cleanups.push(() => webhook.close());
        const connection = await connectWorker(server.address);
        cleanups.push(() => connection.close());
        const worker = await createRunbookWorker({
          connection,
          namespace: 'default',
          deps: activityDeps({ hostsFile, policy, adminKey }),
        });
        if (alerting !== undefined) {
          const { startAlertingStack } = await import('../../alerting/stack.js');
          // Alertmanager posts with the token this stack's webhook checks ($RUNBOOK_WEBHOOK_TOKEN
          // or the one kept in the data dir), to this stack's webhook unless --webhook-url says otherwise.
          const webhookBase = alerting.webhookBase ?? new URL(webhook.url);
          const stack = await startAlertingStack({
            cluster: loadCluster(hostsFile),
            webhookUrl: webhookBase.href,
            token: token.value,
            timing: alerting.timing,
            dir: join(opts.dataDir, 'alerting'),
            unreachableFraction: policy.escalation.unreachableFraction,
          });
          cleanups.push(() => stack.stop());
          console.log(`Prometheus: ${stack.prometheusUrl}  (alerts: ${stack.prometheusUrl}/alerts)`);
          console.log(`Alertmanager: ${stack.alertmanagerUrl}  posting to ${webhookUrl(webhookBase, ALERTMANAGER_WEBHOOK_PATH)}`);
          console.log(`  webhook token: ${token.source}; config in ${stack.dir}`);
        }
        if (policy.monitor.enabled) {
          // §5.3 "Enable the node health monitor daemon": opt-in in config/runbook.yaml.
          const { startMonitor } = await import('../../client/monitor.js');
          const r = await startMonitor(new Client({ connection: clientConnection }), policy);
          console.log(`health monitor: ${r.started ? 'started' : 'already running'} (runbook-health-monitor; \`npx runbook monitor status\`)`);
        }
        console.log(`Temporal Web UI: ${server.uiUrl}`);
        console.log(`alert webhook: ${webhook.url}/alerts/alertmanager  (bearer token ${token.source})`);
        console.log(`Temporal frontend: ${server.address}  task queue: ${TASK_QUEUE}`);
        console.log('try, in another terminal (commands default to this stack\'s cluster):');
        console.log('  npx runbook diagnose');
        if (!opts.config) console.log('  npx runbook sim fault <node> p2p-down   then   npx runbook run restart-p2p --node <node>');
        if (alerting !== undefined && !opts.config) console.log('  (with --alerting, the fault fires ClusterConnectivityDegraded in Prometheus and Alertmanager posts it)');
        console.log('Ctrl-C stops the stack.');
        // The worker shuts down on SIGINT/SIGTERM by itself; then the rest is torn down below.
        await worker.run();
      } finally {
        for (const cleanup of cleanups.reverse()) {
          await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
        }
      }
    });
}
