// `runbook worker`: the production worker, against TEMPORAL_ADDRESS.
import type { Command } from 'commander';
import { DEFAULT_HOSTS_FILE, loadCluster } from '../../config/loader.js';
import { TASK_QUEUE, temporalSettings } from '../../temporal/settings.js';
import { policyFor } from '../context.js';
import { UsageError } from '../errors.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run the worker on the task queue "cluster-runbooks" against $TEMPORAL_ADDRESS\n' +
        '(hosts file: --config or $RUNBOOK_CONFIG; admin key: $RUNBOOK_ADMIN_KEY). SIGINT/SIGTERM drain it.',
    )
    .option('--config <file>', 'hosts file')
    .option('--policy <file>', 'runbook policy')
    .action(async (flags: { config?: string; policy?: string }) => {
      const { activityDeps } = await import('../../worker/deps.js');
      const { connectWorker, createRunbookWorker } = await import('../../worker/worker.js');
      // Never the dev stack's simulated cluster: a production worker names its hosts file.
      const hostsFile = flags.config ?? process.env['RUNBOOK_CONFIG'] ?? DEFAULT_HOSTS_FILE;
      loadCluster(hostsFile); // config errors exit 2 before connecting
      const policy = policyFor(flags.policy);
      const settings = temporalSettings();
      let connection;
      try {
        connection = await connectWorker(settings.address);
      } catch (err) {
        throw new UsageError(`cannot reach Temporal at ${settings.address}: ${(err as Error).message}`);
      }
      const worker = await createRunbookWorker({
        connection,
        namespace: settings.namespace,
        deps: activityDeps({ hostsFile, policy, adminKey: process.env['RUNBOOK_ADMIN_KEY'] }),
      });
      console.log(`worker on ${settings.address}/${settings.namespace}, task queue ${TASK_QUEUE}, hosts ${hostsFile}`);
      try {
        await worker.run();
      } finally {
        await connection.close();
      }
    });
}
