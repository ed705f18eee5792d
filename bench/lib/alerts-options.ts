// bench/alerts' options (bench/README.md): parsed from argv, every bad value a BenchUsageError
// naming the flag. Kept apart from the bench so test/bench/bench-lib.test.ts can check it.
import { parseArgs } from 'node:util';
import { BenchUsageError, intInRange } from './bench-args.js';

export const ALERTS_USAGE = 'usage: npm run bench:alerts -- [--alerts 1000] [--seconds 10] [--distinct 100] [--clients 8] [--connections 4] [--nodes 16] [--subnet 32] [--seed 1] [--no-worker] [--webhook-cpu-prof DIR]';

export interface AlertsOptions {
  alerts: number;
  seconds: number;
  distinct: number;
  clients: number;
  connections: number;
  nodes: number;
  subnet: number;
  seed: number;
  /** Diagnostic: no worker, so the incidents never run and only the intake loads Temporal. */
  noWorker: boolean;
  /** Diagnostic: run the webhook under `node --cpu-prof`, its .cpuprofile written here on exit. */
  webhookCpuProf?: string;
}

export function parseAlertsOptions(argv: string[]): AlertsOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        alerts: { type: 'string', default: '1000' },
        seconds: { type: 'string', default: '10' },
        distinct: { type: 'string', default: '100' },
        clients: { type: 'string', default: '8' },
        connections: { type: 'string', default: '4' },
        nodes: { type: 'string', default: '16' },
        subnet: { type: 'string', default: '32' },
        seed: { type: 'string', default: '1' },
        'no-worker': { type: 'boolean', default: false },
        'webhook-cpu-prof': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new BenchUsageError((e as Error).message);
  }
  const o: AlertsOptions = {
    alerts: intInRange('--alerts', values.alerts, 1, 100_000),
    seconds: intInRange('--seconds', values.seconds, 1, 3600),
    distinct: intInRange('--distinct', values.distinct, 1, 100_000),
    clients: intInRange('--clients', values.clients, 1, 256),
    connections: intInRange('--connections', values.connections, 1, 64),
    nodes: intInRange('--nodes', values.nodes, 1, 1000),
    subnet: intInRange('--subnet', values.subnet, 1, 155),
    seed: intInRange('--seed', values.seed, 0, 2 ** 31),
    noWorker: values['no-worker'],
    ...(values['webhook-cpu-prof'] !== undefined && { webhookCpuProf: values['webhook-cpu-prof'] }),
  };
  if (o.distinct > o.alerts) throw new BenchUsageError(`--distinct (${o.distinct}) cannot exceed --alerts (${o.alerts}): every occurrence is posted at least once`);
  return o;
}

