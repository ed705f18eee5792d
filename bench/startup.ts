// Start-up times of the compiled build (npm run build) against tsx, side by side in one run:
// `runbook --help`, `runbook status <id>`, and `runbook worker` until "worker ready" with the
// prebuilt workflow bundle vs. bundling at start. Targets (DESIGN §10): CLI under 0.3 s, worker
// ready under 1 s; printed, never asserted. Bare `node -e ''` is printed as the floor of this machine.
//
//   npm run build && npx tsx bench/startup.ts [--reps N]
//
// One dev server (free port) and a 4-node simulated cluster (127.82.x.y) for the worker and status.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startSimulator } from '../src/sim/index.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/search-attributes.js';
import { ADMIN_KEY, ROOT } from './lib/bench-config.js';

const BIN = join(ROOT, 'bin', 'runbook.js');
const TARGET_CLI_S = 0.3;
const TARGET_WORKER_S = 1;

type Mode = 'compiled' | 'tsx';
const modeEnv = (mode: Mode): NodeJS.ProcessEnv => (mode === 'tsx' ? { RUNBOOK_TSX: '1' } : {});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall seconds of one CLI run; throws when it exits non-zero. */
function timeCli(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return s;
}

/** Seconds from spawn to the worker's "worker ready" line; the worker is stopped afterwards. */
async function timeWorker(env: NodeJS.ProcessEnv, extra: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, 'worker', ...extra], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const seconds = await new Promise<number>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (out.includes('worker ready')) resolve(Number(process.hrtime.bigint() - t0) / 1e9);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready:\n${out}`)));
  });
  child.removeAllListeners('exit');
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
  return seconds;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' } } });
  const reps = Number(values.reps);
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')) || !existsSync(join(ROOT, 'dist', 'workflow-bundle.js'))) {
    throw new Error('no compiled build: run `npm run build` first');
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: resolveTemporalBinary('cli'), ip: '127.0.0.1', searchAttributes: SEARCH_ATTRIBUTE_KEYS, extraArgs: ['--log-level', 'error'] },
  });
  const sim = await startSimulator({ nodes: 4, subnet: 82, outDir: mkdtempSync(join(tmpdir(), 'bench-startup-')), adminKey: ADMIN_KEY });
  const childEnv = { TEMPORAL_ADDRESS: env.address, RUNBOOK_CONFIG: sim.hostsFile, RUNBOOK_ADMIN_KEY: ADMIN_KEY };
  try {
    const rows: Array<[string, number, number | undefined, number]> = [];
    const floor = median(Array.from({ length: reps }, () => timeCli(['-e', ''], {})));

    const worker: Record<string, number[]> = { prebuilt: [], atStart: [], tsx: [] };
    for (let i = 0; i < reps; i++) {
      worker['prebuilt']!.push(await timeWorker(childEnv, []));
      worker['atStart']!.push(await timeWorker(childEnv, ['--bundle-workflows']));
      if (i < 2) worker['tsx']!.push(await timeWorker({ ...childEnv, RUNBOOK_TSX: '1' }, []));
    }

    // A finished diagnose to ask `status` about; a compiled worker answers the queries.
    const running = spawn(process.execPath, [BIN, 'worker'], { cwd: ROOT, env: { ...process.env, ...childEnv }, stdio: 'ignore' });
    const run = spawnSync(process.execPath, [BIN, 'run', 'diagnose', '--wait', '--json'], { cwd: ROOT, env: { ...process.env, ...childEnv }, encoding: 'utf8' });
    const { workflowId } = JSON.parse(run.stdout) as { workflowId: string };
    for (const [label, args] of [
      ['runbook --help', ['--help']],
      ['runbook status <id>', ['status', workflowId]],
    ] as const) {
      const t: Record<Mode, number[]> = { compiled: [], tsx: [] };
      for (let i = 0; i < reps; i++) for (const mode of ['compiled', 'tsx'] as const) t[mode].push(timeCli([BIN, ...args], { ...childEnv, ...modeEnv(mode) }));
      rows.push([label, median(t.compiled), median(t.tsx), TARGET_CLI_S]);
    }
    running.kill('SIGTERM');
    await new Promise((r) => running.once('exit', r));
    rows.push(['worker ready, prebuilt bundle (compiled)', median(worker['prebuilt']!), median(worker['tsx']!), TARGET_WORKER_S]);
    rows.push(['worker ready, bundled at start (compiled)', median(worker['atStart']!), undefined, TARGET_WORKER_S]);

    console.log(`\nstart-up, median of ${reps} runs (tsx worker: 2 runs; it bundles at start). node -e '': ${floor.toFixed(2)} s`);
    console.log(`${'what'.padEnd(44)} ${'compiled (s)'.padStart(12)} ${'tsx (s)'.padStart(9)} ${'target'.padStart(8)}  met`);
    for (const [what, compiled, tsx, target] of rows) {
      console.log(`${what.padEnd(44)} ${compiled.toFixed(2).padStart(12)} ${(tsx === undefined ? '-' : tsx.toFixed(2)).padStart(9)} ${`< ${target}`.padStart(8)}  ${compiled < target ? 'yes' : 'no'}`);
    }
  } finally {
    await sim.stop();
    await env.teardown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
