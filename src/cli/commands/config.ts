// `runbook config validate [FILE]` and `runbook config prometheus` (runbook §5.1).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_HOSTS_FILE, DEFAULT_POLICY_FILE, loadCluster, loadPolicy } from '../../config/loader.js';
import { DEFAULT_WORKER_METRICS_TARGET, prometheusScrapeConfig } from '../../config/prometheus.js';

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
    .action((file: string | undefined, flags: { policy?: boolean }) => {
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
    .description('print a prometheus.yml: the §5.1 scrape job for every host of the config, and the workers\' SDK metrics')
    .option('--config <file>', 'hosts file', process.env['RUNBOOK_CONFIG'] ?? DEFAULT_HOSTS_FILE)
    .option('--worker <host:port...>', 'worker metrics endpoints (runbook worker --metrics)', [DEFAULT_WORKER_METRICS_TARGET])
    .option('--out <file>', 'write the file here instead of stdout')
    .action((opts: { config: string; worker: string[]; out?: string }) => {
      const text = prometheusScrapeConfig(loadCluster(opts.config), { workerTargets: opts.worker });
      if (opts.out === undefined) {
        process.stdout.write(text);
      } else {
        mkdirSync(dirname(opts.out), { recursive: true });
        writeFileSync(opts.out, text);
        console.log(`wrote ${opts.out}`);
      }
    });
}
