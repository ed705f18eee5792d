// §6.3 "test connectivity from different network locations", done by the worker: for a node it
// cannot reach, one catalogued `peer-check` run over SSH on a healthy peer. Bounded: the plan
// (src/domain/corroboration.ts) names at most a few suspects and two peers each, every check's
// curl stops itself within seconds, and all run side by side.
import type { NodeProbe } from '../src/domain/probes.js';
import { PEER_CHECK_ROUNDS, type PeerCheck, parsePeerCheck, planPeerChecks } from '../src/domain/corroboration.js';
import type { SshRunner } from './ssh.js';

export interface PeerCheckPlan {
  node: string;
  /** Peers to ask, in order: the next one only when the check could not run on the previous. */
  peers: string[];
}

/** Runs each planned check; a check that could not run anywhere is a result with `error`. */
export async function runPeerChecks(plan: readonly PeerCheckPlan[], ssh: Pick<SshRunner, 'run'>): Promise<PeerCheck[]> {
  return Promise.all(plan.map((p) => checkFromPeers(p, ssh)));
}

/** Every round a sweep's probes call for (the heartbeat sweep's own; diagnose plans its rounds in the workflow). */
export async function corroborateSweep(probes: readonly NodeProbe[], ssh: Pick<SshRunner, 'run'>): Promise<PeerCheck[]> {
  let checks: PeerCheck[] = [];
  for (let round = 0; round < PEER_CHECK_ROUNDS; round++) {
    const plan = planPeerChecks(probes, checks);
    if (plan.length === 0) break;
    checks = [...checks, ...(await runPeerChecks(plan, ssh))];
  }
  return checks;
}

async function checkFromPeers({ node, peers }: PeerCheckPlan, ssh: Pick<SshRunner, 'run'>): Promise<PeerCheck> {
  let last: PeerCheck = { node, from: peers[0] ?? '', p2p: 'error', ssh: 'error', error: 'no healthy peer to ask' };
  for (const from of peers) {
    try {
      const r = await ssh.run({ node: from, step: 'peer-check', target: node });
      last = parsePeerCheck(node, from, r.stdout);
    } catch (err) {
      // Only the error's name: the check says nothing about `node`, and the message could carry
      // a path or an address that does not belong in history.
      last = { node, from, p2p: 'error', ssh: 'error', error: `cannot run the check on ${from}: ${err instanceof Error ? err.name : 'error'}` };
    }
    if (last.error === undefined) return last;
  }
  return last;
}
