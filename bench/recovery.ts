// Benchmark: recovery throughput, from the alert's post to verified healthy
// nodes, per fault kind, with 1, 10 and 100 nodes failing at once under the blast radius
// (`max_nodes_remediated`, default 2). Prints a table fault × N → time to all healthy and per-node
// p50/max. Approvals are automatic (the test policy's modes), so no human is in the loop.
// See bench/README.md.
//
// Processes: the Temporal dev server (in memory, free port), the simulator (`runbook sim start`,
// subnet 33, sized so N is at most a third of the nodes) and the worker (bench/worker-process.ts)
// each in their own process; the webhook (src/webhook, as `runbook webhook` wires it) runs here.
import { randomBytes } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { defaultPolicy, loadCluster } from '../src/config/loader.js';
import { startWebhookServer } from '../src/webhook/server.js';
import { BenchUsageError } from './lib/bench-args.js';
import { cleanup, installExitCleanup, wasInterrupted } from './lib/cleanup.js';
import { startDevServerAndBundle } from './lib/dev-server.js';
import { type CellResult, runCell } from './lib/recovery-cell.js';
import { clusterSizeFor, recoveryFault } from './lib/recovery-faults.js';
import { parseRecoveryOptions, RECOVERY_USAGE, type RecoveryOptions } from './lib/recovery-options.js';
import { recoveryTable } from './lib/recovery-table.js';
import { startSim } from './lib/simulator.js';
import { startWorker } from './lib/worker.js';

async function main(): Promise<void> {
  let opts: RecoveryOptions;
  try {
    opts = parseRecoveryOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    console.error(`${e.message}\n${RECOVERY_USAGE}`);
    process.exit(2);
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const t0 = performance.now();
  const nodes = clusterSizeFor(Math.max(...opts.sizes));
  const policy = defaultPolicy();
  // The test policy's approvals: every risk automatic, so the figures are the machine's alone.
  policy.approval = { ...policy.approval, modes: { low: 'auto', high: 'auto' } };
  console.log(
    `bench/recovery: faults ${opts.faults.join(', ')} × N = ${opts.sizes.join(', ')} failing nodes; ${nodes}-node simulator (subnet ${opts.subnet}, ` +
      `time scale ${opts.timeScale}); max_nodes_remediated ${policy.maxNodesRemediated}; approvals automatic`,
  );
  const { env, bundlePath } = await startDevServerAndBundle();
  const sim = await startSim(nodes, opts.subnet, ['--time-scale', String(opts.timeScale)]);
  const worker = await startWorker(env.address, sim, bundlePath, nodes);
  const token = randomBytes(24).toString('hex');
  const cluster = loadCluster(sim.hostsFile);
  const hook = await startWebhookServer({ client: env.client, taskQueue: worker.taskQueue, cluster: () => cluster, policy, token, uiUrl: 'http://ui.bench' });
  try {
    const cells: CellResult[] = [];
    for (const kind of opts.faults) {
      const fault = recoveryFault(kind);
      // A cluster fault exists once: N does not apply.
      for (const n of fault.scope === 'cluster' ? [1] : opts.sizes) {
        console.log(`\n== ${kind} on ${fault.scope === 'cluster' ? 'the cluster' : `${n} node(s)`}: ${fault.alertname} → ${fault.fixedBy} ==`);
        const c = await runCell({ client: env.client, sim, webhookUrl: hook.url, token, fault, n, timeoutS: opts.cellTimeout });
        console.log(`  all healthy after ${c.allSeconds?.toFixed(1) ?? '—'} s; ${c.problem ?? 'every injected fault fixed and verified'}`);
        cells.push(c);
      }
    }
    console.log(`\n${recoveryTable(cells)}`);
    console.log(`\ntotal bench time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    if (cells.some((c) => c.problem !== undefined)) process.exitCode = 1;
  } finally {
    await hook.close();
  }
}

installExitCleanup();
main()
  .then(async () => {
    await cleanup();
    process.exit(process.exitCode ?? 0);
  })
  .catch(async (err) => {
    if (wasInterrupted()) return;
    console.error(err);
    await cleanup();
    process.exit(1);
  });
