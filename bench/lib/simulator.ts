// The simulated cluster for one size: `runbook sim start` in a child process of its own (so its
// memory is not counted as the worker's), plus the host-down fault injection via its control API.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ADMIN_KEY, ROOT } from './bench-config.js';
import { track, waitForLine } from './child-processes.js';
import { tempDir } from './cleanup.js';
import { spread } from './even-spread.js';

export interface SimHost {
  name: string;
  host: string;
  fallback_host: string;
}

export interface Sim {
  proc: ChildProcess;
  dir: string;
  hostsFile: string;
  controlUrl: string;
  hosts: SimHost[];
}

/** `extraArgs`: more `runbook sim start` flags, e.g. `--time-scale 0.2`. */
export async function startSim(nodes: number, subnet: number, extraArgs: string[] = []): Promise<Sim> {
  const dir = tempDir(`sim${nodes}`);
  const proc = track(
    spawn(process.execPath, [join(ROOT, 'bin/runbook.js'), 'sim', 'start', '--nodes', String(nodes), '--subnet', String(subnet), '--out', dir, ...extraArgs], {
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

/**
 * Injects host-down into 1/8 of the nodes, spread evenly over the non-voters so the cluster keeps
 * its leader and coordinator and the only thing to find is the dead hosts.
 */
export async function injectHostDown(sim: Sim): Promise<string[]> {
  const state = await simControl<{ nodes: Array<{ name: string; role: string }> }>(sim, 'GET', '/state');
  const workers = state.nodes.filter((n) => n.role !== 'voter').map((n) => n.name);
  const down = spread(workers, Math.round(state.nodes.length / 8));
  for (const name of down) await simControl(sim, 'POST', '/fault', { target: name, kind: 'host-down' });
  return down;
}

export interface SimNodeState {
  name: string;
  role: string;
  faults: string[];
}

export function simState(sim: Sim): Promise<{ nodes: SimNodeState[]; cluster_faults: string[] }> {
  return simControl(sim, 'GET', '/state');
}

/** Sets (or with `clear`, removes without fixing) one fault on a node or on `cluster`. */
export async function setFault(sim: Sim, target: string, kind: string, clear = false): Promise<void> {
  await simControl(sim, 'POST', '/fault', { target, kind, ...(clear && { clear: true }) });
}
