// Benchmark: the runbook's §3.2 sequential "batch test all nodes" loop (bash + the real curl)
// against our diagnose workflow, on the same simulated cluster with 1/8 of the nodes host-down.
// Prints ratios and the 1,000-node targets; asserts nothing. See bench/README.md.
//
// Processes: one Temporal dev server for the whole run (in-memory, free port, never 7233/8233);
// per size, the simulator (`runbook sim start`) and the worker (bench/worker-process.ts) each in
// a child process of their own, so the worker's peak RSS is the worker's alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import yaml from 'js-yaml';
import { buildInput } from '../src/client/procedures.js';
import { defaultPolicy } from '../src/config/loader.js';
import type { DiagnoseReport } from '../src/domain/report.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/search-attributes.js';
import { WORKFLOWS_PATH } from '../src/worker/worker.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const POLICY = defaultPolicy();
const PROBE_TIMEOUT_S = POLICY.probe.totalTimeoutMs / 1000;
const ADMIN_KEY = 'bench-admin-key-90';

/**
 * Runbook §3.2 "Batch test all nodes", verbatim except `--max-time 3`: host-down accepts TCP and
 * never answers, so without it curl waits forever. Run by bash from a directory whose
 * config/distributed_hosts.yaml is the cluster's, exactly as an operator would from the repo.
 * Note `grep 'host:'` also matches `fallback_host:`, so it probes two addresses per node.
 */
const RUNBOOK_LOOP =
  `for host in $(cat config/distributed_hosts.yaml | grep 'host:' | awk '{print $2}'); do\n` +
  `  echo -n "$host: "\n` +
  `  curl -s --connect-timeout 3 --max-time 3 http://$host:8770/status > /dev/null && echo "OK" || echo "FAIL"\n` +
  `done\n`;
/** The loop's own address extraction, to count what a full run would probe. */
const RUNBOOK_HOSTS = `cat config/distributed_hosts.yaml | grep 'host:' | awk '{print $2}'\n`;

// ---- options ------------------------------------------------------------------------------

interface Options {
  sizes: number[];
  /** Addresses the loop probes on clusters above fullLoopUpTo nodes; 0 = always the full loop. */
  loopSample: number;
  fullLoopUpTo: number;
  subnet: number;
  /** Seconds to wait for one diagnose before terminating it and reporting a timeout. */
  diagnoseTimeout: number;
}

function usage(msg: string): never {
  console.error(
    `${msg}\nusage: npm run bench:diagnose -- [--sizes 64,256,1000] [--loop-sample N] [--full-loop-up-to NODES] [--subnet K] [--diagnose-timeout S]`,
  );
  process.exit(2);
}

function positiveInt(name: string, raw: string, lo: number, hi: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < lo || Number(raw) > hi) usage(`${name} must be an integer from ${lo} to ${hi}, got "${raw}"`);
  return Number(raw);
}

function parseOptions(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        sizes: { type: 'string', default: '64,256,1000' },
        'loop-sample': { type: 'string', default: '64' },
        'full-loop-up-to': { type: 'string', default: '256' },
        subnet: { type: 'string', default: '90' },
        'diagnose-timeout': { type: 'string', default: '60' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage('bench/diagnose: runbook §3.2 loop vs. the diagnose workflow (see bench/README.md)');
  const sizes = values.sizes.split(',').map((s) => positiveInt('--sizes', s.trim(), 8, 10_000));
  const loopSample = positiveInt('--loop-sample', values['loop-sample'], 0, 1_000_000);
  if (loopSample !== 0 && (loopSample < 16 || loopSample % 2 !== 0)) usage('--loop-sample must be 0 (no sampling) or an even number ≥ 16');
  return {
    sizes,
    loopSample,
    fullLoopUpTo: positiveInt('--full-loop-up-to', values['full-loop-up-to'], 0, 1_000_000),
    subnet: positiveInt('--subnet', values.subnet, 1, 155),
    diagnoseTimeout: positiveInt('--diagnose-timeout', values['diagnose-timeout'], 1, 3600),
  };
}

// ---- child processes and cleanup ----------------------------------------------------------

const children = new Set<ChildProcess>();
/** Children that lead their own process group (bash and its curls). */
const groupLeaders = new WeakSet<ChildProcess>();
const tempDirs = new Set<string>();
let env: TestWorkflowEnvironment | undefined;

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `bench-diagnose-${prefix}-`));
  tempDirs.add(d);
  return d;
}

function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

function signalChild(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
  try {
    if (groupLeaders.has(c)) process.kill(-c.pid, sig);
    else c.kill(sig);
  } catch {
    /* already gone */
  }
}

function track(c: ChildProcess, groupLeader = false): ChildProcess {
  if (groupLeader) groupLeaders.add(c);
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => c.once('exit', () => r()));
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
async function stopChild(c: ChildProcess, graceMs = 10_000): Promise<void> {
  signalChild(c, 'SIGTERM');
  const timer = setTimeout(() => signalChild(c, 'SIGKILL'), graceMs);
  await exited(c);
  clearTimeout(timer);
}

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...children].map((c) => stopChild(c, 5_000)));
    await env?.teardown().catch(() => undefined);
    env = undefined;
    for (const d of [...tempDirs]) removeDir(d);
  })();
  return cleaning;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    interrupted = true;
    console.error(`\n${sig}: stopping children and removing temp dirs…`);
    void cleanup().finally(() => process.exit(130));
  });
}
// Last resort (uncaught error, process.exit elsewhere): nothing may outlive us.
process.once('exit', () => {
  for (const c of children) signalChild(c, 'SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** Resolves when the child prints `line` on stdout; rejects if it exits first or takes too long. */
function waitForLine(c: ChildProcess, what: string, line: string, timeoutMs: number): Promise<void> {
  let tail = '';
  c.stderr?.on('data', (b: Buffer) => {
    tail = (tail + b.toString()).slice(-2000);
  });
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`${what} did not print "${line}" within ${timeoutMs / 1000} s\n${tail}`)), timeoutMs);
    c.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      if (buf.split('\n').some((l) => l.trim() === line)) {
        clearTimeout(timer);
        res();
      }
    });
    c.once('exit', (code, sig) => {
      clearTimeout(timer);
      rej(new Error(`${what} exited (${sig ?? code}) before "${line}"\n${tail}`));
    });
  });
}

/** Environment for bash/curl: loopback only, so no proxy may take the traffic elsewhere. */
function loopbackOnlyEnv(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/_proxy$/i.test(k)) e[k] = v;
  return { ...e, NO_PROXY: '*', no_proxy: '*' };
}

// ---- simulator ----------------------------------------------------------------------------

interface SimHost {
  name: string;
  host: string;
  fallback_host: string;
}

interface Sim {
  proc: ChildProcess;
  dir: string;
  hostsFile: string;
  controlUrl: string;
  hosts: SimHost[];
}

async function startSim(nodes: number, subnet: number): Promise<Sim> {
  const dir = tempDir(`sim${nodes}`);
  const proc = track(
    spawn(process.execPath, [join(ROOT, 'bin/runbook.js'), 'sim', 'start', '--nodes', String(nodes), '--subnet', String(subnet), '--out', dir], {
      cwd: ROOT,
      env: { ...process.env, RUNBOOK_ADMIN_KEY: ADMIN_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  await waitForLine(proc, `simulator (${nodes} nodes)`, 'ready', 120_000);
  const { controlUrl } = JSON.parse(readFileSync(join(dir, 'sim.json'), 'utf8')) as { controlUrl: string };
  if (!/^http:\/\/127\.\d+\.\d+\.\d+:\d+$/.test(controlUrl)) throw new Error(`unexpected control URL ${controlUrl}: loopback only`);
  const hostsFile = join(dir, 'distributed_hosts.yaml');
  const doc = yaml.load(readFileSync(hostsFile, 'utf8')) as { hosts: SimHost[] };
  return { proc, dir, hostsFile, controlUrl, hosts: doc.hosts };
}

async function simControl<T>(sim: Sim, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sim.controlUrl}${path}`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const data = (await res.json()) as T;
  if (res.status !== 200) throw new Error(`sim ${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/** `count` items spread evenly over `xs` (deterministic). */
function spread<T>(xs: readonly T[], count: number): T[] {
  if (count > xs.length) throw new Error(`cannot pick ${count} of ${xs.length}`);
  return Array.from({ length: count }, (_, j) => xs[Math.floor(((j + 0.5) * xs.length) / count)]!);
}

/**
 * Injects host-down into 1/8 of the nodes, spread evenly over the non-voters so the cluster keeps
 * its leader and coordinator and the only thing to find is the dead hosts.
 */
async function injectHostDown(sim: Sim): Promise<string[]> {
  const state = await simControl<{ nodes: Array<{ name: string; role: string }> }>(sim, 'GET', '/state');
  const workers = state.nodes.filter((n) => n.role !== 'voter').map((n) => n.name);
  const down = spread(workers, Math.round(state.nodes.length / 8));
  for (const name of down) await simControl(sim, 'POST', '/fault', { target: name, kind: 'host-down' });
  return down;
}

// ---- worker -------------------------------------------------------------------------------

interface WorkerProc {
  proc: ChildProcess;
  taskQueue: string;
}

async function startWorker(address: string, sim: Sim, bundlePath: string, nodes: number): Promise<WorkerProc> {
  const taskQueue = `bench-diagnose-${nodes}-${process.pid}-${Date.now().toString(36)}`;
  const args = ['--import', 'tsx', join(ROOT, 'bench/worker-process.ts'), '--address', address, '--task-queue', taskQueue, '--hosts', sim.hostsFile, '--bundle', bundlePath];
  // `node --import tsx` (not the tsx CLI, which forks): the PID we sample is the worker itself.
  const proc = track(spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, RUNBOOK_ADMIN_KEY: ADMIN_KEY }, stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitForLine(proc, 'worker process', 'ready', 120_000);
  return { proc, taskQueue };
}

/** kB values of /proc/<pid>/status: VmHWM is the peak resident set since the process started. */
function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

// ---- diagnose -----------------------------------------------------------------------------

interface DiagnoseRun {
  seconds: number;
  events: number;
  /** Absent when the workflow failed; `error` says why. */
  report?: DiagnoseReport;
  error?: string;
}

/** Innermost message of a failure chain (WorkflowFailedError → ActivityFailure → TimeoutFailure …). */
function failureText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e && parts.length < 5; e = e.cause as typeof e) {
    if (e.message) parts.push(e.message);
  }
  return parts.join(' ← ') || String(err);
}

async function runDiagnose(client: Client, taskQueue: string, label: string, timeoutS: number): Promise<DiagnoseRun> {
  const workflowId = `bench-diagnose-${label}-${process.pid}-${Date.now().toString(36)}`;
  const t0 = performance.now();
  const handle = await client.workflow.start('diagnose', {
    taskQueue,
    workflowId,
    // What `runbook diagnose` sends: the policy's batch size and thresholds.
    args: [buildInput(POLICY, { requestedBy: 'bench' })],
  });
  let report: DiagnoseReport | undefined;
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutS * 1000)));
  try {
    const out = await Promise.race([handle.result() as Promise<DiagnoseReport>, timedOut]);
    if (out === 'timeout') {
      // Bounded wait, so a stuck activity (retries of a 2-minute start-to-close) cannot stall the bench.
      await handle.terminate(`bench: no result within ${timeoutS} s`);
      error = `no result within ${timeoutS} s (terminated)`;
    } else {
      report = out;
    }
  } catch (err) {
    error = failureText(err);
  } finally {
    clearTimeout(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  const history = await handle.fetchHistory();
  return { seconds, events: history.events?.length ?? 0, ...(report && { report }), ...(error !== undefined && { error }) };
}

/** "host-down×125, tailscale-down×3" */
function kindCounts(report: DiagnoseReport | undefined): string {
  if (report === undefined) return 'no report';
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return counts.size === 0 ? 'no findings' : [...counts].map(([k, n]) => `${k}×${n}`).join(', ');
}

// ---- §3.2 loop ----------------------------------------------------------------------------

interface LoopRun {
  /** Wall time of the whole loop; extrapolated when sampled. */
  seconds: number;
  measuredSeconds: number;
  probed: number;
  total: number;
  ok: number;
  fail: number;
  expectedFail: number;
  sampled: boolean;
}

function bash(script: string, cwd: string): { proc: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  // Own process group, so an interrupt can take curl down with bash.
  const proc = track(spawn('bash', ['-c', script], { cwd, env: loopbackOnlyEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true }), true);
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res, rej) => {
    proc.once('error', rej);
    proc.once('close', (code) => res({ code, stdout, stderr }));
  });
  return { proc, done };
}

/** A directory laid out like the repo for the runbook's relative path: config/distributed_hosts.yaml. */
function loopDir(nodes: number, hostsYaml: string): string {
  const d = tempDir(`loop${nodes}`);
  mkdirSync(join(d, 'config'));
  writeFileSync(join(d, 'config', 'distributed_hosts.yaml'), hostsYaml);
  return d;
}

async function runLoop(sim: Sim, down: readonly string[], opts: Options, nodes: number): Promise<LoopRun> {
  const downSet = new Set(down);
  const full = loopDir(nodes, '');
  copyFileSync(sim.hostsFile, join(full, 'config', 'distributed_hosts.yaml'));
  const all = (await bash(RUNBOOK_HOSTS, full).done).stdout.split('\n').filter(Boolean);

  const sample = opts.loopSample > 0 && nodes > opts.fullLoopUpTo && opts.loopSample < all.length;
  let dir = full;
  let chosen = sim.hosts;
  if (sample) {
    // Whole nodes (both lines of each), keeping the 1/8 host-down ratio, in file order.
    const k = opts.loopSample / 2;
    const kDown = Math.round(k / 8);
    const pick = new Set([
      ...spread(sim.hosts.filter((h) => downSet.has(h.name)), kDown),
      ...spread(sim.hosts.filter((h) => !downSet.has(h.name)), k - kDown),
    ]);
    chosen = sim.hosts.filter((h) => pick.has(h));
    dir = loopDir(nodes, yaml.dump({ hosts: chosen }, { lineWidth: 200 }));
  }
  const addrsDown = new Set(chosen.filter((h) => downSet.has(h.name)).flatMap((h) => [h.host, h.fallback_host]));

  const t0 = performance.now();
  const { code, stdout, stderr } = await bash(RUNBOOK_LOOP, dir).done;
  const measured = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`§3.2 loop exited ${code}: ${stderr}`);
  const lines = stdout.split('\n').filter(Boolean);
  const failed = lines.filter((l) => l.endsWith(': FAIL')).map((l) => l.slice(0, -': FAIL'.length));
  const ok = lines.filter((l) => l.endsWith(': OK')).length;
  // The loop must fail exactly the dead hosts' addresses, or the comparison is not like for like.
  const wrong = failed.filter((a) => !addrsDown.has(a));
  if (wrong.length > 0 || failed.length !== addrsDown.size) {
    console.log(`  ! loop FAILed ${failed.length} addresses, expected the ${addrsDown.size} of the host-down nodes (unexpected: ${wrong.slice(0, 5).join(', ')})`);
  }
  return {
    seconds: sample ? (measured * all.length) / lines.length : measured,
    measuredSeconds: measured,
    probed: lines.length,
    total: all.length,
    ok,
    fail: failed.length,
    expectedFail: addrsDown.size,
    sampled: sample,
  };
}

// ---- one size -----------------------------------------------------------------------------

interface Row {
  nodes: number;
  down: number;
  loop: LoopRun;
  diagnose: DiagnoseRun;
  warmupSeconds: number;
  exact: boolean;
  otherFindings: string[];
  rssBaselineMb: number;
  rssPeakMb: number;
}

async function benchSize(nodes: number, opts: Options, client: Client, address: string, bundlePath: string): Promise<Row> {
  console.log(`\n== ${nodes} nodes ==`);
  const sim = await startSim(nodes, opts.subnet);
  const worker = await startWorker(address, sim, bundlePath, nodes);
  const pid = worker.proc.pid!;
  const idle = memoryOf(pid);
  try {
    // Warm-up on the healthy cluster: the measured run sees a running worker, as `runbook diagnose` does.
    const warm = await runDiagnose(client, worker.taskQueue, `${nodes}-warmup`, opts.diagnoseTimeout);
    console.log(
      `  warm-up diagnose (healthy cluster): ${warm.seconds.toFixed(2)} s, ${warm.events} events, ` +
        (warm.error !== undefined ? `FAILED: ${warm.error}` : kindCounts(warm.report)),
    );
    const baseline = memoryOf(pid);

    const down = await injectHostDown(sim);
    console.log(`  injected host-down on ${down.length} of ${nodes} nodes`);
    const d = await runDiagnose(client, worker.taskQueue, String(nodes), opts.diagnoseTimeout);
    const mem = memoryOf(pid);
    const findings = d.report?.findings ?? [];
    const foundDown = findings.filter((f) => f.kind === 'host-down').map((f) => f.node ?? '?');
    const exact = d.report !== undefined && foundDown.length === down.length && [...foundDown].sort().join() === [...down].sort().join();
    const otherFindings = findings.filter((f) => f.kind !== 'host-down').map((f) => `${f.kind}@${f.node ?? 'cluster'}`);
    if (d.error !== undefined) {
      console.log(`  diagnose FAILED after ${d.seconds.toFixed(2)} s (${d.events} history events): ${d.error}`);
    } else {
      console.log(
        `  diagnose: ${d.seconds.toFixed(2)} s, ${d.events} history events; ${kindCounts(d.report)}; host-down findings are ` +
          (exact ? 'exactly the injected nodes' : `NOT the injected set (${foundDown.length} found)`),
      );
      if (otherFindings.length > 0) console.log(`  other findings (none injected): ${otherFindings.slice(0, 6).join(', ')}${otherFindings.length > 6 ? ', …' : ''}`);
    }
    console.log(
      `  worker RSS: ${(idle.rssKb / 1024).toFixed(0)} MB idle, ${(baseline.rssKb / 1024).toFixed(0)} MB after warm-up, peak ${(mem.hwmKb / 1024).toFixed(0)} MB`,
    );
    await stopChild(worker.proc);

    const loopExpect = nodes > opts.fullLoopUpTo && opts.loopSample > 0 ? `a sample of ${opts.loopSample} addresses` : 'every address';
    console.log(`  §3.2 loop over ${loopExpect} (sequential, ≤${PROBE_TIMEOUT_S} s per dead address)…`);
    const loop = await runLoop(sim, down, opts, nodes);
    console.log(
      `  §3.2 loop: probed ${loop.probed} of ${loop.total} addresses (host: + fallback_host: lines), ` +
        `${loop.ok} OK, ${loop.fail} FAIL (expected ${loop.expectedFail}); ${loop.measuredSeconds.toFixed(1)} s` +
        (loop.sampled ? ` → ${loop.seconds.toFixed(1)} s (extrapolated from ${loop.probed} of ${loop.total} addresses)` : ''),
    );
    return {
      nodes,
      down: down.length,
      loop,
      diagnose: d,
      warmupSeconds: warm.seconds,
      exact,
      otherFindings,
      rssBaselineMb: baseline.rssKb / 1024,
      rssPeakMb: mem.hwmKb / 1024,
    };
  } finally {
    await stopChild(worker.proc);
    await stopChild(sim.proc);
    for (const d of [...tempDirs]) if (d.includes(`-sim${nodes}-`) || d.includes(`-loop${nodes}-`)) removeDir(d);
  }
}

// ---- report -------------------------------------------------------------------------------

function printTable(rows: Row[]): void {
  const head = ['nodes', 'host-down', 'loop wall (s)', 'diagnose wall (s)', 'loop/diagnose', `diagnose/${PROBE_TIMEOUT_S} s`, 'history events', 'worker peak RSS (MB)'];
  const body = rows.map((r) => [
    String(r.nodes),
    String(r.down),
    `${r.loop.sampled ? '~' : ''}${r.loop.seconds.toFixed(1)}${r.loop.sampled ? ' *' : ''}`,
    `${r.diagnose.error !== undefined ? '>' : ''}${r.diagnose.seconds.toFixed(2)}${r.diagnose.error !== undefined ? ' FAILED' : ''}`,
    `${r.diagnose.error !== undefined ? '<' : ''}${(r.loop.seconds / r.diagnose.seconds).toFixed(1)}x`,
    `${r.diagnose.error !== undefined ? '>' : ''}${(r.diagnose.seconds / PROBE_TIMEOUT_S).toFixed(2)}`,
    String(r.diagnose.events),
    r.rssPeakMb.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
  console.log('\n' + line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const b of body) console.log(line(b));
  for (const r of rows.filter((x) => x.loop.sampled)) {
    console.log(`* ${r.nodes} nodes: loop wall extrapolated from ${r.loop.probed} of ${r.loop.total} addresses (measured ${r.loop.measuredSeconds.toFixed(1)} s)`);
  }
  for (const r of rows) {
    console.log(
      `${r.nodes} nodes: loop probed ${r.loop.total} addresses (${r.nodes} host + ${r.loop.total - r.nodes} fallback_host); ` +
        (r.diagnose.error !== undefined
          ? `diagnose FAILED: ${r.diagnose.error}`
          : `diagnose found ${r.exact ? 'exactly' : 'NOT exactly'} the ${r.down} injected host-down nodes` +
            (r.otherFindings.length > 0 ? `, plus ${r.otherFindings.length} false finding(s): ${kindCounts(r.diagnose.report)}` : ', nothing else')),
    );
  }

  const big = rows.find((r) => r.nodes === 1000);
  if (big === undefined) {
    console.log('\ntargets: not evaluated (1,000 nodes not in --sizes)');
    return;
  }
  const mark = (ok: boolean): string => (ok ? 'MET' : 'MISSED');
  const limit = 2 * PROBE_TIMEOUT_S;
  console.log(`\ntargets at 1,000 nodes, ${big.down} host-down (printed, not asserted):`);
  const ok = big.diagnose.error === undefined;
  console.log(
    `  diagnose ≤ 2x probe timeout (${limit} s): ${big.diagnose.seconds.toFixed(2)} s${ok ? '' : ' (workflow FAILED)'} — ${mark(ok && big.diagnose.seconds <= limit)}`,
  );
  console.log(`  history < 1,000 events:              ${big.diagnose.events} — ${mark(big.diagnose.events < 1000)}`);
  console.log(`  worker peak RSS < 400 MB:            ${big.rssPeakMb.toFixed(0)} MB — ${mark(big.rssPeakMb < 400)}`);
  console.log(`  diagnose found exactly the ${big.down} injected host-down nodes and nothing else: ${big.exact && big.otherFindings.length === 0 ? 'yes' : 'NO'}`);
}

// ---- main ---------------------------------------------------------------------------------

function existingCli(): { type: 'existing-path'; path: string } {
  const bin = resolveTemporalBinary('cli');
  if (bin.type !== 'existing-path') throw new Error('the benchmark needs a local temporal binary (npm run tools:temporal)');
  return bin;
}

async function main(): Promise<void> {
  const opts = parseOptions();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const started = performance.now();
  console.log(
    `bench/diagnose: sizes ${opts.sizes.join(', ')}; 1/8 host-down; probe timeout ${PROBE_TIMEOUT_S} s; ` +
      `§3.2 loop sampled to ${opts.loopSample || 'all'} addresses above ${opts.fullLoopUpTo} nodes; sim subnet ${opts.subnet}`,
  );

  const work = tempDir('work');
  const noop = (): void => undefined;
  const [devEnv, bundle] = await Promise.all([
    // In-memory dev server on a free port (not 7233/8233, which `npm start` uses); no UI.
    TestWorkflowEnvironment.createLocal({
      server: { executable: existingCli(), ip: '127.0.0.1', searchAttributes: SEARCH_ATTRIBUTE_KEYS, extraArgs: ['--log-level', 'error'] },
    }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error } }),
  ]);
  env = devEnv;
  if (!/^127\./.test(env.address)) throw new Error(`dev server is not on loopback: ${env.address}`);
  const bundlePath = join(work, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  console.log(`Temporal dev server at ${env.address}; workflows bundled (${(bundle.code.length / 1024).toFixed(0)} kB)`);

  const rows: Row[] = [];
  for (const nodes of opts.sizes) rows.push(await benchSize(nodes, opts, env.client, env.address, bundlePath));
  printTable(rows);
  console.log(`\ntotal bench time ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main()
  .then(async () => {
    await cleanup();
    process.exit(0);
  })
  .catch(async (err) => {
    // After an interrupt, failures are just children being stopped under us.
    if (interrupted) return;
    console.error(err);
    await cleanup();
    process.exit(1);
  });
