// `runbook sim start|fault|state` (DESIGN §7): the simulated cluster for tests, benchmarks and demos.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { SimState } from '../../sim/state-types.js';
import { hostsFileFor } from '../context.js';
import { UsageError } from '../errors.js';

const DEFAULT_DIR = '.sim';

const FAULT_HELP = `
Faults (node-level unless marked cluster):
  p2p-down        P2P daemon dead, :8770 refuses        fix: restart p2p over SSH (§4.1)
  tailscale-down  primary address resets connections   fix: sudo tailscale up (§4.2)
  partition       node cannot reach its peers          fix: networkd restart, tailscale down+up, p2p restart (§4.5)
  host-down       every port accepts TCP, never answers  fix: only --clear
  ip-changed      primary moves to 127.<subnet+50>.x.y  fix: hosts file names the new address (§4.6)
  rogue-peer      another online tailnet device named like the node  fix: only --clear (update-hosts must refuse it)
  slow-primary    HTTP on the primary answers 600 ms late  fix: only --clear
  ssh-stall       SSH logs in, then goes silent, never closes  fix: only --clear
  p2p-ignores-sigterm  daemon survives pkill (SIGTERM)      fix: only --clear
  slow-rejoin     a restarted daemon says running ~30 s (scaled) before it rejoins  fix: only --clear
  blind-to-worker :8770 and :8765 refuse the worker; SSH and the cluster see it healthy  fix: only --clear
  flapping        the P2P daemon dies again --flap-after-ms after each start  fix: only --clear
  leader-lost     cluster: leader steps down           fix: POST /admin/trigger-election or a voter p2p restart (§4.3)
  election-stuck  cluster: elections never finish      fix: restart the daemon of every voter
  sync-stalled    cluster: sync progress frozen        fix: force_full_sync on the coordinator (§4.4)
  admin-down      cluster: the admin API refuses connections  fix: only --clear`;

const SIM_DIR_HELP = `simulator directory (default: the one holding $RUNBOOK_CONFIG or the running dev stack's hosts file, else ${DEFAULT_DIR})`;

/**
 * The simulator the other commands talk to: they follow $RUNBOOK_CONFIG or the running
 * `runbook dev`, so injecting a fault needs no --dir that could name a different cluster.
 */
function simDirFor(flag: string | undefined): string {
  if (flag !== undefined) return flag;
  const dir = dirname(hostsFileFor());
  return existsSync(join(dir, 'sim.json')) ? dir : DEFAULT_DIR;
}

function intOption(name: string, raw: string | undefined, lo: number, hi: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < lo || Number(raw) > hi) {
    throw new UsageError(`${name} must be an integer from ${lo} to ${hi}, got "${raw}"`);
  }
  return Number(raw);
}

async function control(dir: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
  const { readSimInfo } = await import('../../sim/cluster-files.js');
  let info: { controlUrl: string };
  try {
    info = readSimInfo(dir);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  let res: Response;
  try {
    res = await fetch(`${info.controlUrl}${path}`, {
      method,
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  } catch (e) {
    throw new UsageError(`simulator in ${dir} is not answering at ${info.controlUrl} (stale sim.json?): ${String(e)}`);
  }
  return { status: res.status, data: await res.json() };
}

export function registerSimCommands(program: Command): void {
  const sim = program
    .command('sim')
    .description('simulated cluster on loopback addresses (real P2P/health/admin HTTP, SSH, tailscaled LocalAPI)');

  sim
    .command('start')
    .description(
      'start a simulated cluster in the foreground until SIGINT/SIGTERM; writes DIR/distributed_hosts.yaml, ' +
        'DIR/id_cluster(.pub), DIR/known_hosts, DIR/tailscaled.sock and DIR/sim.json, then prints "ready"',
    )
    .requiredOption('--nodes <n>', 'number of nodes (1..65024)')
    .option('--voters <v>', 'number of voters (default min(5, nodes); node 0 always votes)')
    .option('--seed <s>', 'seed for names and voter choice', '1')
    .option('--subnet <k>', 'primary addresses 127.<k>.x.y, fallback 127.<k+100>.x.y (1..155)', '10')
    .option('--ssh-port <p>', 'SSH port of every node', '2222')
    .option('--time-scale <f>', 'multiplies simulated durations (sleep, daemon start, sync)', '1')
    .option('--flap-after-ms <ms>', 'the `flapping` fault: how long a started P2P daemon runs before it dies again, before --time-scale (default 10000)')
    .option('--out <dir>', 'output directory', DEFAULT_DIR)
    .addHelpText('after', '\nThe admin API key is $RUNBOOK_ADMIN_KEY (default "sim-admin-key"); it is never written to disk.')
    .action(async (opts: { nodes: string; voters?: string; seed: string; subnet: string; sshPort: string; timeScale: string; flapAfterMs?: string; out: string }) => {
      const { startSimulator } = await import('../../sim/simulator.js');
      const { SimUsageError } = await import('../../sim/errors.js');
      const timeScale = Number(opts.timeScale);
      if (!(timeScale > 0)) throw new UsageError(`--time-scale must be a positive number, got "${opts.timeScale}"`);
      let handle;
      try {
        handle = await startSimulator({
          nodes: intOption('--nodes', opts.nodes, 1, 65024)!,
          ...(opts.voters !== undefined && { voters: intOption('--voters', opts.voters, 1, 65024)! }),
          seed: intOption('--seed', opts.seed, 0, 2 ** 31)!,
          subnet: intOption('--subnet', opts.subnet, 1, 155)!,
          sshPort: intOption('--ssh-port', opts.sshPort, 1, 65535)!,
          timeScale,
          ...(opts.flapAfterMs !== undefined && { flapAfterMs: intOption('--flap-after-ms', opts.flapAfterMs, 0, 3_600_000)! }),
          outDir: opts.out,
        });
      } catch (e) {
        if (e instanceof SimUsageError) throw new UsageError(e.message);
        throw e;
      }
      console.log('ready');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await handle.stop();
    });

  sim
    .command('fault')
    .description('inject a fault into a running simulator (or remove one with --clear, without running its fix)')
    .argument('<target>', 'node name, or "cluster" for cluster-level faults')
    .argument('<fault>', 'fault kind (see below)')
    .option('--clear', 'remove the fault instead of injecting it')
    .option('--dir <dir>', SIM_DIR_HELP)
    .addHelpText('after', FAULT_HELP)
    .action(async (target: string, fault: string, opts: { clear?: boolean; dir?: string }) => {
      const { FAULT_KINDS } = await import('../../sim/faults.js');
      if (!(FAULT_KINDS as readonly string[]).includes(fault)) {
        throw new UsageError(`unknown fault "${fault}" (expected one of: ${FAULT_KINDS.join(', ')})`);
      }
      const { status, data } = await control(simDirFor(opts.dir), 'POST', '/fault', { target, kind: fault, clear: opts.clear === true });
      const err = (data as { error?: string }).error;
      if (status === 400) throw new UsageError(err ?? 'rejected');
      if (status !== 200) throw new Error(`simulator answered ${status}: ${err ?? ''}`);
      console.log(`${opts.clear === true ? 'cleared' : 'injected'} ${fault} on ${target}`);
    });

  sim
    .command('state')
    .description('print the simulator state: leader, voters alive (and the fewest seen), faults, nodes, sync, mutation log')
    .option('--json', 'print JSON: {leader_id, min_voters_alive, quorum_lost, cluster_faults, nodes, sync, mutations, …}')
    .option('--dir <dir>', SIM_DIR_HELP)
    .action(async (opts: { json?: boolean; dir?: string }) => {
      const { data } = await control(simDirFor(opts.dir), 'GET', '/state');
      if (opts.json === true) {
        console.log(JSON.stringify(data, null, 2));
        return;
      }
      const { formatState } = await import('../../sim/format.js');
      process.stdout.write(formatState(data as SimState));
    });
}
