// `runbook dev` (npm start): the embedded stack. Temporal dev server + simulated cluster +
// worker in one command; Ctrl-C stops everything and leaves no process behind.
import { join } from 'node:path';
import type { Command } from 'commander';
import { ALERTMANAGER_WEBHOOK_PATH, DEV_WEBHOOK_URL, webhookUrl } from '../../alerting/endpoints.js';
import { DEFAULT_POLICY_FILE, loadCluster, loadPolicy } from '../../config/loader.js';
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
  webhookUrl: string;
  alertingTimeScale: string;
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
    .option('--webhook-url <url>', `with --alerting: the alert webhook Alertmanager posts to (<url>${ALERTMANAGER_WEBHOOK_PATH})`, DEV_WEBHOOK_URL)
    .option('--alerting-time-scale <factor>', 'with --alerting: scale of the production scrape, rule and group durations', '0.1')
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
      const policy = loadPolicy(opts.policy);
      if (opts.config) loadCluster(opts.config); // fail fast with the config error, exit 2

      const adminKey = process.env['RUNBOOK_ADMIN_KEY'] ?? 'sim-admin-key';
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
        const connection = await connectWorker(server.address);
        cleanups.push(() => connection.close());
        const worker = await createRunbookWorker({
          connection,
          namespace: 'default',
          deps: activityDeps({ hostsFile, policy, adminKey }),
        });
        if (alerting !== undefined) {
          const { startAlertingStack } = await import('../../alerting/stack.js');
          const stack = await startAlertingStack({
            cluster: loadCluster(hostsFile),
            webhookUrl: alerting.webhookUrl,
            token: alerting.token.value,
            timing: alerting.timing,
            dir: join(opts.dataDir, 'alerting'),
            unreachableFraction: policy.escalation.unreachableFraction,
          });
          cleanups.push(() => stack.stop());
          console.log(`Prometheus: ${stack.prometheusUrl}  (alerts: ${stack.prometheusUrl}/alerts)`);
          console.log(`Alertmanager: ${stack.alertmanagerUrl}  posting to ${webhookUrl(alerting.webhookBase, ALERTMANAGER_WEBHOOK_PATH)}`);
          console.log(`  webhook token: ${alerting.token.source}; config in ${stack.dir}`);
        }
        if (policy.monitor.enabled) {
          // §5.3 "Enable the node health monitor daemon": opt-in in config/runbook.yaml.
          const { Client, Connection } = await import('@temporalio/client');
          const { startMonitor } = await import('../../client/monitor.js');
          const clientConnection = await Connection.connect({ address: server.address });
          cleanups.push(() => clientConnection.close());
          const r = await startMonitor(new Client({ connection: clientConnection }), policy);
          console.log(`health monitor: ${r.started ? 'started' : 'already running'} (runbook-health-monitor; \`npx runbook monitor status\`)`);
        }
        console.log(`Temporal Web UI: ${server.uiUrl}`);
        console.log(`Temporal frontend: ${server.address}  task queue: ${TASK_QUEUE}`);
        console.log('try, in another terminal (commands default to this stack\'s cluster):');
        console.log('  npx runbook diagnose');
        if (!opts.config) console.log('  npx runbook sim fault <node> p2p-down --dir .sim   then   npx runbook run restart-p2p --node <node>');
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
