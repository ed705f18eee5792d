// An SSH session that stalls without closing (what `networkd restart` or
// `tailscale down` do to a session) must not hang sshRun. Against the simulator's real SSH
// servers with the `ssh-stall` fault: the login works, then nothing is ever answered.
// Subnet 64.
import { CancelledFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { SshConnectError } from '../../activities/errors.js';
import { loadCluster } from '../../src/config/loader.js';
import type { ClusterSpec } from '../../src/domain/cluster-spec.js';
import type { SshResult } from '../../src/domain/probes.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { clearFaults } from '../helpers/harness.js';
import { fastPolicy, newEnv } from './helpers.js';
import { subnet } from '../helpers/subnets.js';

let sim: SimulatorHandle;

beforeAll(async () => {
  // Time scale 1: a p2p-stop on a daemon that ignores SIGTERM really takes its 5 s.
  sim = await startSimulator({ nodes: 3, subnet: subnet('activities/ssh-stall'), timeScale: 1, seed: 5 });
});
afterAll(async () => {
  await sim?.stop();
});
afterEach(() => {
  clearFaults(sim);
});

const worker = (): string => sim.state().nodes.find((n) => n.role === 'worker')?.name ?? sim.state().nodes[2]!.name;

function activitiesWith(connectTimeoutS: number) {
  const base = loadCluster(sim.hostsFile);
  const spec: ClusterSpec = { ...base, ssh: { ...base.ssh, connect_timeout_s: connectTimeoutS } };
  return createActivities({ cluster: () => spec, policy: fastPolicy() });
}

/** Fails with `what` when `p` has not settled after `ms`: a hang is the defect under test. */
async function settlesWithin<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms / 1000} s: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the simulator has logged `command` on `node` after the first `skip` entries. */
async function untilLogged(node: string, command: string, skip: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!sim.state().mutations.slice(skip).some((m) => m.node === node && m.command === command)) {
    if (Date.now() > deadline) throw new Error(`the simulator never logged "${command}" on ${node}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sshRun on a stalled SSH session', () => {
  it('gives up on a channel open that is never answered (retryable SshConnectError)', async () => {
    const node = worker();
    sim.fault(node, 'ssh-stall');
    const acts = activitiesWith(1);
    const run = newEnv().run(() => acts.sshRun({ node, step: 'echo-ok', via: 'fallback' }));
    const err = await settlesWithin(run.then(() => undefined, (e: unknown) => e), 30_000, 'sshRun waiting on a channel open');
    expect(err).toBeInstanceOf(SshConnectError);
    expect((err as Error).message).toMatch(/channel open/);
  });

  it('ends a session that goes silent mid-command once keepalives go unanswered', async () => {
    const node = worker();
    sim.fault(node, 'p2p-ignores-sigterm');
    const acts = activitiesWith(1);
    const logged = sim.state().mutations.length;
    const run = newEnv().run(() => acts.sshRun({ node, step: 'p2p-stop', via: 'fallback' })) as Promise<SshResult>;
    await untilLogged(node, 'pkill -u "$USER" -f "[p]2p_daemon"', logged);
    sim.fault(node, 'ssh-stall');
    const r = await settlesWithin(run, 30_000, 'sshRun on a session that stalled mid-command');
    expect(r.exitCode).toBe(-1);
    expect(r.stderr).toMatch(/connection lost: Keepalive timeout/);
  });

  it('a cancelled activity ends the stalled connection at once instead of waiting for the peer', async () => {
    const node = worker();
    sim.fault(node, 'p2p-ignores-sigterm');
    // Keepalives far out (30 s × 3): only the cancellation can end this run in time.
    const acts = activitiesWith(30);
    const env = newEnv();
    const logged = sim.state().mutations.length;
    const run = env.run(() => acts.sshRun({ node, step: 'p2p-stop', via: 'fallback' }));
    await untilLogged(node, 'pkill -u "$USER" -f "[p]2p_daemon"', logged);
    sim.fault(node, 'ssh-stall');
    env.cancel();
    const err = await settlesWithin(run.then(() => undefined, (e: unknown) => e), 20_000, 'a cancelled sshRun on a stalled session');
    expect(err).toBeInstanceOf(CancelledFailure);
  });
});
