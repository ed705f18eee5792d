// The baseline: the runbook's §3.2 "Batch test all nodes" loop, run by bash with the real curl.
// On large clusters it runs over an even sample of whole nodes and the full time is
// extrapolated, because sequentially it costs ~3 s per dead address (over 12 min at 1,000 nodes).
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { loopbackOnlyEnv, track } from './child-processes.js';
import { tempDir } from './cleanup.js';
import { spread } from './even-spread.js';
import type { Sim } from './simulator.js';

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

/** When to sample instead of running the full loop (the --loop-sample/--full-loop-up-to options). */
export interface LoopSampling {
  /** Addresses the loop probes on clusters above fullLoopUpTo nodes; 0 = always the full loop. */
  loopSample: number;
  fullLoopUpTo: number;
}

export interface LoopRun {
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

export async function runLoop(sim: Sim, down: readonly string[], opts: LoopSampling, nodes: number): Promise<LoopRun> {
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
