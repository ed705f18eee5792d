// `runbook rehearse`: a procedure, the alert path, the monitor, or everything (`--all`) on a twin
// of the configured cluster (DESIGN §13, docs/how-to/rehearse.md). Progress goes to stderr, the
// result (detail, table or JSON) to stdout. Exit 0 when every case ended as the runbook promises.
import type { Command } from 'commander';
import { ProcedureFailedError, UsageError } from '../errors.js';
import type { RehearseWhat } from '../../rehearse/rehearse.js';
import { hostsFileFor } from '../context.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface RehearseFlags {
  node?: string;
  fault?: string;
  incident?: string;
  monitor?: boolean;
  all?: boolean;
  config?: string;
  policy?: string;
  json?: boolean;
  subnet: string;
  sshPort: string;
  timeScale: string;
  timeout: string;
}

export function registerRehearseCommand(program: Command): void {
  program
    .command('rehearse')
    .summary('rehearse a procedure, an alert or the monitor on a loopback twin of the configured cluster')
    .description(
      'rehearse on a simulator twin of the configured cluster: same names, voters,\n' +
        'backbone, coordinator and providers on loopback addresses, with its own\n' +
        'Temporal dev server and worker. Injects a fault, runs with the configured\n' +
        'policy approving every gate (and recording it), says whether the twin\n' +
        'healed. Never connects to a real node. Exit 0: as the runbook promises.\n' +
        '  rehearse <procedure> [--node N] [--fault K]\n' +
        '  rehearse --incident <alertname> [--node N] [--fault K]\n' +
        '  rehearse --monitor [--fault K] [--node N]\n' +
        '  rehearse --all',
    )
    .argument('[procedure]', 'procedure to rehearse (see `runbook run --help`)')
    .option('--node <name>', 'node to put the fault on (default: a non-voter)')
    .option('--fault <kind>', "fault to inject (default: the one the procedure fixes); also more-than-half-down")
    .option('--incident <alertname>', 'rehearse the alert path: webhook routing, the incident, its children')
    .option('--monitor', 'let the twin\'s health monitor notice the fault and act')
    .option('--all', 'every procedure on the fault it fixes, the alert path, the monitor, and the faults it must refuse')
    .option('--config <file>', 'hosts file to twin (default: $RUNBOOK_CONFIG, the dev stack, config/)')
    .option('--policy <file>', 'runbook policy (default: $RUNBOOK_POLICY or config/runbook.yaml)')
    .option('--json', 'print the report as JSON')
    .option('--subnet <n>', 'twin addresses 127.<n>.x.y (also <n>+50 and <n>+100); keep it apart from `runbook dev` (10)', '154')
    .option('--ssh-port <port>', "the twin nodes' SSH port", '2222')
    .option('--time-scale <factor>', 'scale of waiting windows (sync stall, heartbeat, backoff)', '0.01')
    .option('--timeout <seconds>', 'a case not ended by then counts as not healed', '300')
    .action(async (procedure: string | undefined, flags: RehearseFlags) => {
      const what = request(procedure, flags);
      const num = (flag: string, v: string): number => {
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${v}"`);
        return n;
      };
      const subnet = num('--subnet', flags.subnet);
      const sshPort = num('--ssh-port', flags.sshPort);
      const timeScale = num('--time-scale', flags.timeScale);
      const timeout = num('--timeout', flags.timeout);
      if (!(timeout > 0)) throw new UsageError(`--timeout must be positive, got "${flags.timeout}"`);

      const { DefaultLogger, Runtime } = await import('@temporalio/worker');
      // Ctrl-C is ours: the twin, its worker and its server are stopped in order, then we exit.
      // The native core's connection retries while a twin is torn down are noise here.
      Runtime.install({
        logger: new DefaultLogger('ERROR'),
        shutdownSignals: [],
        telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
      });
      const { rehearse, RehearseUsageError, RehearsalInterrupted } = await import('../../rehearse/rehearse.js');
      const { formatCase, formatTable } = await import('../../rehearse/report.js');
      const { NotLoopbackError } = await import('../../rehearse/loopback-guard.js');
      const stop = new AbortController();
      const onSignal = (): void => {
        if (!stop.signal.aborted) console.error('interrupted: stopping the twin, its worker and its Temporal server…');
        stop.abort();
      };
      // Every way a terminal or a CI runner ends us: the dev server runs in its own process group
      // (so Ctrl-C reaches us first), and only this teardown stops it.
      for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
      try {
        const report = await rehearse({
          what,
          hostsFile: hostsFileFor(flags.config),
          ...(flags.policy !== undefined || process.env['RUNBOOK_POLICY'] !== undefined ? { policyFile: flags.policy ?? process.env['RUNBOOK_POLICY'] } : {}),
          subnet,
          sshPort,
          timeScale,
          caseTimeoutMs: timeout * 1000,
          say: (line) => console.error(line),
          signal: stop.signal,
        });
        if (flags.json) console.log(JSON.stringify(report, null, 2));
        else if (what.kind === 'all') console.log(formatTable(report.results));
        else for (const r of report.results) console.log(formatCase(r));
        if (!report.ok) throw new ProcedureFailedError(`the twin did not end as the runbook promises (${report.results.filter((r) => !r.asExpected).length} case(s))`);
        console.error(`rehearsal done in ${(report.ms / 1000).toFixed(1)} s`);
      } catch (err) {
        if (err instanceof RehearseUsageError || err instanceof NotLoopbackError) throw new UsageError(err.message);
        if (err instanceof RehearsalInterrupted) {
          console.error(`runbook: ${err.message}`);
          process.exitCode = 130;
          return;
        }
        throw err;
      } finally {
        for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
      }
    });
}


/** One form at a time: a procedure, --incident, --monitor or --all. */
function request(procedure: string | undefined, f: RehearseFlags): RehearseWhat {
  const forms = [procedure !== undefined, f.incident !== undefined, f.monitor === true, f.all === true].filter(Boolean).length;
  if (forms === 0) throw new UsageError('say what to rehearse: a procedure, --incident <alertname>, --monitor or --all');
  if (forms > 1) throw new UsageError('rehearse one thing at a time: a procedure, --incident, --monitor or --all');
  const extras = { ...(f.fault !== undefined && { fault: f.fault }), ...(f.node !== undefined && { node: f.node }) };
  if (f.all === true) {
    if (f.fault !== undefined || f.node !== undefined) throw new UsageError('--all picks its own faults and nodes; drop --fault and --node');
    return { kind: 'all' };
  }
  if (f.incident !== undefined) return { kind: 'incident', alertname: f.incident, ...extras };
  if (f.monitor === true) return { kind: 'monitor', ...extras };
  return { kind: 'procedure', procedure: procedure!, ...extras };
}
