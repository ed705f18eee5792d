// Start-up times of the compiled build (npm run build) against tsx, side by side in one run:
// `runbook --help`, `runbook status <id>`, and `runbook worker` until "worker ready" with the
// prebuilt workflow bundle vs. bundling at start. Targets (DESIGN §10): CLI under 0.3 s, worker
// ready under 1 s; printed, never asserted. Bare `node -e ''` is printed as the floor of this machine.
// Beside each wall time, the CPU seconds (user + system) of the compiled run: on a shared machine
// wall time measures the neighbours too, CPU time much less (Linux: bash's `time` for the CLI,
// /proc/<pid>/stat at "worker ready" for the worker, every thread included).
//
//   npm run build && npx tsx bench/startup.ts [--reps N]
//
// One dev server (free port) and a 4-node simulated cluster (127.82.x.y) for the worker and status.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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

/** Medians of wall and CPU time, each over the runs on its own. */
function medianTiming(ts: Timing[]): Timing {
  return { wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) };
}

interface Timing {
  wall: number;
  /** User + system CPU seconds of the process (NaN where it cannot be read). */
  cpu: number;
}

/** Wall seconds of one CLI run, and its CPU seconds from bash's `time`; throws when it exits non-zero. */
function timeCli(args: string[], env: NodeJS.ProcessEnv): Timing {
  const t0 = process.hrtime.bigint();
  // bash's `time` reports the child's CPU: the last stderr line is "USER SYS" in seconds.
  const script = 'TIMEFORMAT="%3U %3S"; time "$@" >/dev/null';
  const r = spawnSync('bash', ['-c', script, 'bash', process.execPath, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [user, sys] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { wall, cpu: (user ?? NaN) + (sys ?? NaN) };
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU seconds a running process has used so far, every thread included (Linux /proc; NaN elsewhere). */
function processCpu(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** From spawn to the worker's "worker ready" line: wall and CPU seconds; the worker is stopped afterwards. */
async function timeWorker(env: NodeJS.ProcessEnv, extra: string[]): Promise<Timing> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, 'worker', ...extra], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const seconds = await new Promise<Timing>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (out.includes('worker ready')) resolve({ wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: processCpu(child.pid) });
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
    const rows: Array<[string, Timing, number | undefined, number]> = [];
    const floorRuns = Array.from({ length: reps }, () => timeCli(['-e', ''], {}));
    const floor = medianTiming(floorRuns);

    const worker: Record<string, Timing[]> = { prebuilt: [], atStart: [], tsx: [] };
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
      const t: Record<Mode, Timing[]> = { compiled: [], tsx: [] };
      for (let i = 0; i < reps; i++) for (const mode of ['compiled', 'tsx'] as const) t[mode].push(timeCli([BIN, ...args], { ...childEnv, ...modeEnv(mode) }));
      rows.push([label, medianTiming(t.compiled), medianTiming(t.tsx).wall, TARGET_CLI_S]);
    }
    running.kill('SIGTERM');
    await new Promise((r) => running.once('exit', r));
    rows.push(['worker ready, prebuilt bundle (compiled)', medianTiming(worker['prebuilt']!), medianTiming(worker['tsx']!).wall, TARGET_WORKER_S]);
    rows.push(['worker ready, bundled at start (compiled)', medianTiming(worker['atStart']!), undefined, TARGET_WORKER_S]);

    console.log(`\nstart-up, median of ${reps} runs (tsx worker: 2 runs; it bundles at start). node -e '': ${floor.wall.toFixed(2)} s wall, ${floor.cpu.toFixed(2)} CPU-s`);
    console.log(`${'what'.padEnd(44)} ${'compiled (s)'.padStart(12)} ${'CPU-s'.padStart(6)} ${'tsx (s)'.padStart(9)} ${'target'.padStart(8)}  met`);
    for (const [what, compiled, tsx, target] of rows) {
      console.log(
        `${what.padEnd(44)} ${compiled.wall.toFixed(2).padStart(12)} ${compiled.cpu.toFixed(2).padStart(6)} ${(tsx === undefined ? '-' : tsx.toFixed(2)).padStart(9)} ${`< ${target}`.padStart(8)}  ${compiled.wall < target ? 'yes' : 'no'}`,
      );
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
