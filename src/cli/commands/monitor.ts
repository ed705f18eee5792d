// `runbook monitor start|stop|status`: the health monitor (DESIGN §9, runbook §5.2–5.3).
import type { Command } from 'commander';
import { MONITOR_WORKFLOW_ID } from '../../domain/monitor.js';
import { hostsFileFor, policyFor } from '../context.js';
import { UsageError } from '../errors.js';

export function registerMonitorCommands(program: Command): void {
  const monitor = program.command('monitor').description(`the health monitor (workflow ${MONITOR_WORKFLOW_ID}, §5.2–5.3)`);

  monitor
    .command('start')
    .description('start the monitor with config/runbook.yaml\'s heartbeat, threshold and backoff (no-op when it runs)')
    .option('--policy <file>', 'runbook policy (default config/runbook.yaml)')
    .action(async (flags: { policy?: string }) => {
      const policy = await policyFor(flags.policy);
      const { connectClient } = await import('../../client/connect.js');
      const { startMonitor } = await import('../../client/monitor.js');
      const { workflowUrl } = await import('../../temporal/settings.js');
      const { client, settings } = await connectClient();
      const r = await startMonitor(client, policy);
      console.log(r.started ? `started ${MONITOR_WORKFLOW_ID}` : `${MONITOR_WORKFLOW_ID} is already running`);
      console.log(`  ${workflowUrl(settings, MONITOR_WORKFLOW_ID)}`);
    });

  monitor
    .command('stop')
    .description('finish the current heartbeat and stop (running recoveries carry on)')
    .action(async () => {
      const { connectClient } = await import('../../client/connect.js');
      const { stopMonitor } = await import('../../client/monitor.js');
      const { client } = await connectClient();
      try {
        await stopMonitor(client);
      } catch (err) {
        throw new UsageError(`cannot stop ${MONITOR_WORKFLOW_ID}: ${(err as Error).message}`);
      }
      console.log(`asked ${MONITOR_WORKFLOW_ID} to stop`);
    });

  monitor
    .command('resume')
    .argument('<node>', 'a node of the hosts file')
    .description('act on a node held as flapping (or escalated) again: its recoveries are counted afresh')
    .option('--config <file>', 'hosts file the node is checked against (default $RUNBOOK_CONFIG, the dev stack\'s, or config/)')
    .addHelpText(
      'after',
      '\nA node recovered more than monitor.max_recovery_attempts times within monitor.flap_window_minutes is ' +
        'flapping: the monitor escalates once and leaves it alone until this command, or until a full window passes ' +
        'without a missed heartbeat. `runbook monitor status` lists the nodes it holds.',
    )
    .action(async (node: string, flags: { config?: string }) => {
      const file = hostsFileFor(flags.config);
      const { loadCluster } = await import('../../config/loader.js');
      if (!loadCluster(file).hosts.some((h) => h.name === node)) throw new UsageError(`node "${node}" is not in ${file}`);
      const { connectClient } = await import('../../client/connect.js');
      const { resumeNode } = await import('../../client/monitor.js');
      const { client } = await connectClient();
      try {
        await resumeNode(client, node);
      } catch (err) {
        throw new UsageError(`cannot reach ${MONITOR_WORKFLOW_ID} (is it running? \`runbook monitor start\`): ${(err as Error).message}`);
      }
      console.log(`asked ${MONITOR_WORKFLOW_ID} to act on ${node} again`);
    });

  monitor
    .command('status')
    .description('per-node misses, recoveries, leaderless and sync-stall durations, notifications sent')
    .option('--json', 'print the progress query (with its `monitor` part)')
    .action(async (flags: { json?: boolean }) => {
      const { connectClient } = await import('../../client/connect.js');
      const { formatMonitor, monitorStatus } = await import('../../client/monitor.js');
      const { client } = await connectClient();
      let p;
      try {
        p = await monitorStatus(client);
      } catch (err) {
        throw new UsageError(`cannot query ${MONITOR_WORKFLOW_ID} (is it running? \`runbook monitor start\`): ${(err as Error).message}`);
      }
      console.log(flags.json ? JSON.stringify(p, null, 2) : formatMonitor(p));
    });
}
