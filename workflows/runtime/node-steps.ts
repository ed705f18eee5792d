// Steps several procedures share: look at a node, restart its P2P daemon, wait until healthy.
import { patched } from '@temporalio/workflow';
import type { AddressSide, P2pStatus, SshResult, SshVia } from '../../src/domain/probes.js';
import { quorumShortfall } from '../../src/domain/cluster-spec.js';
import { MUTATING_STEPS, type SshStep } from '../../src/domain/ssh-catalog.js';
import { longRunning, mutate, quick } from './activities.js';
import { errorText } from './error-text.js';
import { EscalationRequired, type ProcedureRun } from './procedure.js';

/** patched() id: a p2p stop that did not verify escalates instead of starting (a second daemon). */
export const P2P_STOP_VERIFIED = 'p2p-stop-verified';
/** patched() id: Tailscale down+up as one detached command, also over the fallback: as two
 * sessions, a failed second one left Tailscale down. */
export const TAILSCALE_RESTART_ONE_COMMAND = 'tailscale-restart-one-command';

/**
 * §4.2/§4.5 Tailscale down and up. One detached command on the node, so `up` runs even when the
 * session dies with `down` or a second session could not be opened. Old histories ran down and
 * up as two sessions over the fallback and replay that way.
 */
/** The steps of a Tailscale restart: `tailscale up` shows only in runs recorded before one-command restarts. */
export type TailscaleRestartStep = 'restart tailscale' | 'tailscale up';

export async function restartTailscale(run: ProcedureRun<TailscaleRestartStep>, node: string, via: SshVia): Promise<void> {
  if (via === 'fallback' && !patched(TAILSCALE_RESTART_ONE_COMMAND)) {
    await sshStep(run, 'restart tailscale', node, 'tailscale-down', 'fallback');
    await sshStep(run, 'tailscale up', node, 'tailscale-up', 'fallback');
    return;
  }
  await sshStep(run, 'restart tailscale', node, 'tailscale-restart-detached', via);
}

export interface NodeLook {
  /** Something answered (P2P, HTTP API or SSH) on some address. */
  reachable: boolean;
  p2pOk: boolean;
  status?: P2pStatus;
  via?: AddressSide;
  error?: string;
}

/**
 * The path for a session to a node `lookAtNode` saw: its fallback when only that answered (the
 * primary, Tailscale, is dead), else primary first. §4.2/§4.5: `tailscale down` then cannot
 * cut the session that runs it.
 */
export function sessionVia(look: NodeLook): SshVia {
  return look.via === 'fallback' ? 'fallback' : 'auto';
}

/**
 * §3.1/§3.2 for one node. Nothing answering on any address is host-down: no remote step can
 * help, so the procedure escalates before it mutates anything.
 */
export async function lookAtNode<S extends string>(run: ProcedureRun<S>, step: S, node: string): Promise<NodeLook> {
  const [p] = await run.step(step, () => quick.probeNodes({ nodes: [node] }));
  const reachable = p !== undefined && (p.checks.p2p.ok || p.checks.http.ok || p.checks.ssh.ok);
  const look: NodeLook = {
    reachable,
    p2pOk: p?.checks.p2p.ok === true,
    ...(p?.status && { status: p.status }),
    ...(p && p.via !== 'none' && { via: p.via }),
    ...(p?.checks.p2p.error !== undefined && { error: p.checks.p2p.error }),
  };
  run.note(
    step,
    p?.status
      ? `${p.via}: ${p.status.status}, leader ${p.status.leader_id ?? 'NONE'}, ${p.status.alive_peers}/${p.status.total_peers} peers`
      : reachable
        ? `reachable via ${p!.via}; p2p does not answer (${look.error ?? 'no answer'})`
        : `no answer on any address (${look.error ?? 'no answer'})`,
  );
  if (!reachable) {
    throw new EscalationRequired([`${node} answers on no address (${look.error ?? 'no answer'}): host down? only a human can fix it`]);
  }
  return look;
}

/** Runs a catalogued mutating command; a node we cannot reach escalates instead of failing. */
export async function sshStep<S extends string>(
  run: ProcedureRun<S>,
  name: S,
  node: string,
  step: SshStep,
  via: SshVia = 'auto',
): Promise<SshResult | undefined> {
  // The catalog says which steps change a node: those never run in a dry run, and run once.
  const mutating = MUTATING_STEPS.has(step);
  const proxy = mutating ? mutate : quick;
  try {
    const r = await run.step(name, () => proxy.sshRun({ node, step, via }), { mutating, detail: `${step} on ${node} (${via})` });
    if (r && r.exitCode !== 0) {
      run.note(name, `exit ${r.exitCode}: ${(r.stderr || r.stdout).slice(0, 200)}`);
    }
    return r;
  } catch (err) {
    throw new EscalationRequired([`cannot run ${step} on ${node}: ${errorText(err)}`]);
  }
}

/**
 * §4.1: stop, start, then poll /status until the daemon runs ("poll, don't sleep"). The stop
 * verifies the daemon is gone; when it is not (or the stop's answer is lost), starting would
 * risk two daemons, so the procedure escalates instead.
 */
/** The steps of a daemon restart, under a prefix (`''`, or a voter's `"<name>: "` in a rolling restart). */
export type DaemonStep<P extends string = ''> = `${P}stop p2p daemon` | `${P}start p2p daemon` | `${P}wait until p2p healthy`;

export async function restartDaemon<P extends '' | `${string}: `>(
  run: ProcedureRun<DaemonStep<P>>,
  node: string,
  prefix: P,
  timeoutMs: number,
): Promise<boolean> {
  const stop = await sshStep(run, `${prefix}stop p2p daemon`, node, 'p2p-stop');
  // Histories recorded before the stop was verified went on to the start: they replay as they ran.
  if (stop !== undefined && stop.exitCode !== 0 && patched(P2P_STOP_VERIFIED)) {
    throw new EscalationRequired([
      `P2P daemon on ${node} not confirmed stopped (exit ${stop.exitCode}: ${(stop.stderr || stop.stdout).trim().slice(0, 200)}); not starting a second daemon`,
    ]);
  }
  await sshStep(run, `${prefix}start p2p daemon`, node, 'p2p-start');
  if (run.dryRun) {
    run.skip(`${prefix}wait until p2p healthy`, 'dry run: would poll /status');
    return true;
  }
  const w = await run.step(`${prefix}wait until p2p healthy`, () =>
    longRunning.waitForNode({ node, until: 'p2p-healthy', timeoutMs, intervalMs: 500 }),
  );
  run.note(`${prefix}wait until p2p healthy`, w.reached ? `healthy after ${w.polls} poll(s)` : `not healthy after ${w.polls} poll(s): ${w.error ?? ''}`);
  return w.reached;
}

/**
 * Verifies from the cluster's point of view: the node sees the leader and the majority's peers.
 * A dry run cannot know, so it answers false and the caller goes on to report its next steps.
 */
export async function verifyRejoined<S extends string>(run: ProcedureRun<S>, name: S, node: string, timeoutMs: number): Promise<boolean> {
  if (run.dryRun) {
    run.skip(name, 'dry run: would check the node rejoined the cluster');
    return false;
  }
  const w = await run.step(name, () => longRunning.waitForNode({ node, until: 'rejoined', timeoutMs, intervalMs: 500 }));
  run.note(
    name,
    w.reached
      ? `rejoined: leader ${w.last?.leader_id ?? '?'}, ${w.last?.alive_peers ?? '?'} peers`
      : `not rejoined after ${w.polls} poll(s)${w.error ? `: ${w.error}` : ''}`,
  );
  return w.reached;
}

/** patched() id: the quorum guard counts a voter the peers see alive as alive (DESIGN §11). */
export const QUORUM_SEEN_BY_CLUSTER = 'quorum-seen-by-cluster';
/** patched() id: a fresh look at the node right before each change, with its slot held (DESIGN §11). */
export const LOOK_AGAIN_PATCH = 'look-again-before-change';

/**
 * DESIGN §11, right before a change (after its approval, with its slot held): the node as the
 * cluster sees it now. `act`: go on. `skip`: it is healthy already, or only the worker cannot see
 * it; the step changes nothing. Worse than what was approved (now host-down): escalate.
 * Runs recorded before the fresh look go on without one.
 */
export async function lookAgain<S extends string>(
  run: ProcedureRun<S>,
  step: S,
  node: string,
  /** fix-tailscale: healthy only when the node answers on its primary (Tailscale) address. */
  o: { needPrimary?: boolean } = {},
): Promise<{ act: true } | { act: false; why: string }> {
  if (!patched(LOOK_AGAIN_PATCH)) return { act: true };
  const look = await run.step(step, () => quick.lookAgain({ node }));
  if (look.state === 'healthy' && (!o.needPrimary || look.via === 'primary')) {
    run.note(step, `already healthy: nothing changed (${look.detail})`);
    return { act: false, why: 'already healthy: nothing changed' };
  }
  if (look.state === 'unreachable-from-worker') {
    run.note(step, `only the worker cannot reach ${node}: nothing changed (${look.detail})`);
    return { act: false, why: 'the cluster sees it alive, only the worker cannot reach it: nothing changed' };
  }
  if (look.state === 'host-down') {
    run.note(step, `now host-down: ${look.detail}`);
    throw new EscalationRequired([`${node} is now down on every port (${look.detail}): worse than what was approved; only a human can fix it`]);
  }
  run.note(step, `${look.state}: ${look.detail}`);
  return { act: true };
}

/** Voters whose daemon runs and is connected, as the cluster sees them (older runs: as each reports itself). */
export async function votersAlive(voters: string[]): Promise<string[]> {
  if (patched(QUORUM_SEEN_BY_CLUSTER)) return (await quick.votersAliveSeenByCluster({ voters })).alive;
  const rs = await Promise.all(voters.map(async (v) => ({ v, r: await quick.p2pStatus({ node: v }) })));
  return rs.filter(({ r }) => r.ok && r.status?.status === 'running' && r.status.cluster_health !== 'partitioned').map(({ v }) => v);
}

/**
 * Before taking a voter's daemon down: refuse when the voters left alive would be fewer than
 * a majority (an election needs one, §9 "Election Quorum").
 */
export async function voterQuorumGuard(node: string): Promise<void> {
  const info = await quick.clusterInfo({});
  if (!info.voters.includes(node)) return;
  const short = quorumShortfall(node, info.voters, await votersAlive(info.voters));
  if (short) {
    throw new EscalationRequired([
      `restarting voter ${node} would leave ${short.alive - 1}/${info.voters.length} voters alive, below the quorum of ${short.quorum}`,
    ]);
  }
}
