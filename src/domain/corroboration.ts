// The worker is one vantage point (DESIGN §11, runbook §6.3 "test connectivity from different
// network locations"). A node whose P2P port does not answer the worker is broken only when the
// cluster agrees: the answering nodes' /status counts, and one check run *on* a healthy peer.
// Pure: the diagnose workflow, the heartbeat sweep and the fresh look before a change share it.
import { looksCutOff, typicalAlive } from './leader-view.js';
import type { NodeProbe } from './probes.js';

/** What one catalogued `peer-check` run on `from` saw of the node's P2P and SSH ports. */
export interface PeerCheck {
  node: string;
  from: string;
  p2p: PortSight;
  ssh: PortSight;
  /** The check itself could not run (no SSH to the peer, unparsable output): it says nothing. */
  error?: string;
}

/** `answers` for P2P: /status answered 200; for SSH: the port took the connection. */
export type PortSight = 'answers' | 'refused' | 'timeout' | 'unresolved' | 'error';

/** The cluster's verdict on one node: what the peers see, whatever the worker sees. */
export type PeerVerdict = 'alive' | 'dead' | 'unknown';

/** How a node finding was corroborated (DESIGN §6 `seenBy`). */
export interface SeenBy {
  /** What the worker itself saw: every check answered, P2P silent while something else answered, or nothing. */
  worker: 'answers' | 'p2p-silent' | 'silent';
  peers: PeerVerdict;
  /** The check one healthy peer ran over SSH, when one ran. */
  fromPeer?: { node: string; p2p: PortSight; ssh: PortSight };
}

/** Suspects checked from a peer per look at most: beyond, the /status counts decide alone. */
export const MAX_PEER_CHECKS = 8;
/** Peers asked per suspect at most (the second only when the first could not run the check). */
export const PEERS_PER_SUSPECT = 2;

/** Nodes whose P2P port does not answer the worker: the ones another vantage point must confirm. */
export function suspectsOf(probes: readonly NodeProbe[]): string[] {
  return probes.filter((p) => !p.checks.p2p.ok || !p.status).map((p) => p.name);
}

/** What the answering, connected daemons count: how many nodes the cluster sees dead. */
export function clusterCount(probes: readonly NodeProbe[]): { alive: number; total: number } | undefined {
  const statuses = probes.filter((p) => p.checks.p2p.ok && p.status).map((p) => p.status!);
  const typical = typicalAlive(statuses);
  const connected = statuses.filter((s) => !looksCutOff(s, typical));
  if (connected.length === 0) return undefined;
  const total = Math.max(...connected.map((s) => s.total_peers));
  return { alive: typical, total };
}

/** Checks that ran and say something, first per node. */
function usable(checks: readonly PeerCheck[]): Map<string, PeerCheck> {
  const out = new Map<string, PeerCheck>();
  for (const c of checks) if (c.error === undefined && !out.has(c.node)) out.set(c.node, c);
  return out;
}

/**
 * The verdict the counts give for the suspects no peer check has settled. Every node is either
 * answering the worker (alive, unless it looks cut off), settled by a check, or unsettled; so the
 * dead the cluster counts, less the cut-off and the checked-dead ones, are among the unsettled.
 * Everyone alive: the worker is blind to all of them. Room for all of them among the dead: the
 * peers agree they are down. Less room: some are alive, and the counts cannot say which.
 */
export function countVerdict(probes: readonly NodeProbe[], suspects: readonly string[], checks: readonly PeerCheck[] = []): PeerVerdict {
  const count = clusterCount(probes);
  const settled = usable(checks);
  const unsettled = suspects.filter((n) => !settled.has(n));
  if (count === undefined || unsettled.length === 0) return 'unknown';
  if (count.alive >= count.total) return 'alive';
  const typical = count.alive;
  const cutOff = probes.filter((p) => p.checks.p2p.ok && p.status && looksCutOff(p.status, typical)).length;
  const checkedDead = [...settled.values()].filter((c) => c.p2p !== 'answers' && suspects.includes(c.node)).length;
  return count.total - count.alive - cutOff - checkedDead >= unsettled.length ? 'dead' : 'unknown';
}

/**
 * The next round of checks from peers, given those already run (`done`): none when the counts
 * decide the rest. Nodes that answered the worker on SSH or /health but not on P2P go first,
 * in a round of their own: that is how a worker-side blind spot looks, and such a check returns
 * at once. Once they are settled, the counts often settle the nodes silent on every port (each
 * of whose checks would wait out curl's timeout). Peers are healthy, connected nodes in config
 * order, spread over the suspects.
 */
export function planPeerChecks(probes: readonly NodeProbe[], done: readonly PeerCheck[] = [], max = MAX_PEER_CHECKS): Array<{ node: string; peers: string[] }> {
  const suspects = suspectsOf(probes);
  if (suspects.length === 0 || countVerdict(probes, suspects, done) !== 'unknown') return [];
  const peers = healthyPeers(probes);
  if (peers.length === 0) return [];
  const tried = new Set(done.map((c) => c.node));
  const bySuspect = new Map(probes.map((p) => [p.name, p]));
  const answeredSomething = (n: string): boolean => bySuspect.get(n)!.checks.http.ok || bySuspect.get(n)!.checks.ssh.ok;
  const open = suspects.filter((n) => !tried.has(n));
  const round = open.some(answeredSomething) ? open.filter(answeredSomething) : open;
  return round.slice(0, max).map((node, i) => ({
    node,
    peers: Array.from({ length: Math.min(PEERS_PER_SUSPECT, peers.length) }, (_, k) => peers[(i + k) % peers.length]!),
  }));
}

/** Rounds of peer checks at most per look: the nodes that answered something, then the silent ones. */
export const PEER_CHECK_ROUNDS = 2;

/** Nodes whose daemon answers the worker, runs and does not look cut off. */
export function healthyPeers(probes: readonly NodeProbe[]): string[] {
  const answering = probes.filter((p) => p.checks.p2p.ok && p.status);
  const typical = typicalAlive(answering.map((p) => p.status!));
  return answering.filter((p) => p.status!.status === 'running' && !looksCutOff(p.status!, typical)).map((p) => p.name);
}

/** Each node's `seenBy`: the worker's own sight, then the peer check, else the counts. */
export function seenByAll(probes: readonly NodeProbe[], checks: readonly PeerCheck[]): Map<string, SeenBy> {
  const suspects = suspectsOf(probes);
  const byCount = countVerdict(probes, suspects, checks);
  const checkOf = usable(checks);
  const out = new Map<string, SeenBy>();
  for (const p of probes) {
    const { p2p, http, ssh } = p.checks;
    const worker: SeenBy['worker'] = p2p.ok && p.status ? 'answers' : http.ok || ssh.ok ? 'p2p-silent' : 'silent';
    if (worker === 'answers') {
      out.set(p.name, { worker, peers: 'unknown' });
      continue;
    }
    const c = checkOf.get(p.name);
    if (c) {
      out.set(p.name, { worker, peers: c.p2p === 'answers' ? 'alive' : 'dead', fromPeer: { node: c.from, p2p: c.p2p, ssh: c.ssh } });
    } else {
      out.set(p.name, { worker, peers: byCount });
    }
  }
  return out;
}

/**
 * Reads the `peer-check` command's output (src/domain/ssh-catalog.ts): curl's exit status for
 * each port. 6: name not resolved, 7/56: refused or reset, 28: timed out; any other status on the
 * SSH port means the connection was taken (an SSH server does not speak HTTP: curl exits 1).
 */
export function parsePeerCheck(node: string, from: string, stdout: string): PeerCheck {
  const p2p = /^p2p (\d{3}) exit (\d+)\s*$/m.exec(stdout);
  const ssh = /^ssh exit (\d+)\s*$/m.exec(stdout);
  if (!p2p || !ssh) return { node, from, p2p: 'error', ssh: 'error', error: 'unexpected peer-check output' };
  const code = Number(p2p[1]);
  const p2pExit = Number(p2p[2]);
  return {
    node,
    from,
    p2p: p2pExit === 0 && code === 200 ? 'answers' : exitSight(p2pExit) ?? 'error',
    ssh: exitSight(Number(ssh[1])) ?? 'answers',
  };
}

function exitSight(exit: number): PortSight | undefined {
  if (exit === 6) return 'unresolved';
  // 56: reset after connecting (a Tailscale address whose node's Tailscale is down).
  if (exit === 7 || exit === 56) return 'refused';
  if (exit === 28) return 'timeout';
  return undefined;
}

/** One line for evidence and notes: "from runpod-h100: p2p answers, ssh answers". */
export function describeSeenBy(s: SeenBy): string {
  const from = s.fromPeer ? `; from ${s.fromPeer.node}: p2p ${s.fromPeer.p2p}, ssh ${s.fromPeer.ssh}` : '';
  return `worker: ${s.worker}; peers: ${s.peers}${from}`;
}

/** What a fresh look right before a change (DESIGN §11) found, for the procedure to decide on. */
export interface FreshLook {
  node: string;
  state: 'healthy' | 'p2p-down' | 'cut-off' | 'host-down' | 'unreachable-from-worker';
  detail: string;
  /** The address that answered the worker: `fallback` alone means the node's Tailscale address is dead. */
  via?: 'primary' | 'fallback';
  seenBy?: SeenBy;
}

/**
 * The node's state from a look at it and at the nodes that decide who leads (`probes` holds
 * both), corroborated by `checks`. Healthy: its daemon runs, sees the leader the others see,
 * and is not cut off. The worker's "no answer" stands only when the peers do not see it alive.
 */
export function freshLookAt(node: string, probes: readonly NodeProbe[], checks: readonly PeerCheck[]): FreshLook {
  const p = probes.find((x) => x.name === node);
  if (!p) return { node, state: 'host-down', detail: 'not probed' };
  const by = seenByAll(probes, checks).get(node)!;
  const look = freshLookOf(node, p, probes, by);
  return p.via === 'none' ? look : { ...look, via: p.via };
}

function freshLookOf(node: string, p: NodeProbe, probes: readonly NodeProbe[], by: SeenBy): FreshLook {
  if (p.checks.p2p.ok && p.status) {
    const others = probes.filter((x) => x.name !== node && x.checks.p2p.ok && x.status).map((x) => x.status!);
    const typical = typicalAlive(others.length > 0 ? others : [p.status]);
    const s = p.status;
    const what = `${s.status}, leader ${s.leader_id ?? 'NONE'}, ${s.alive_peers}/${s.total_peers} peers`;
    if (s.status === 'running' && s.leader_id !== null && !looksCutOff(s, typical)) return { node, state: 'healthy', detail: what };
    if (looksCutOff(s, typical)) return { node, state: 'cut-off', detail: `${what} (the others see ${typical})` };
    return { node, state: 'p2p-down', detail: what };
  }
  const seen = describeSeenBy(by);
  if (by.peers === 'alive') return { node, state: 'unreachable-from-worker', detail: `the cluster sees it alive (${seen})`, seenBy: by };
  if (by.worker === 'silent') return { node, state: 'host-down', detail: `no answer on any port (${seen})`, seenBy: by };
  return { node, state: 'p2p-down', detail: `p2p does not answer (${p.checks.p2p.error ?? 'no answer'}; ${seen})`, seenBy: by };
}

/** Peer checks for one node: from the healthy nodes among `probes` other than itself. */
export function planFreshLook(node: string, probes: readonly NodeProbe[]): Array<{ node: string; peers: string[] }> {
  const p = probes.find((x) => x.name === node);
  if (!p || (p.checks.p2p.ok && p.status)) return [];
  const peers = healthyPeers(probes).filter((n) => n !== node).slice(0, PEERS_PER_SUSPECT);
  return peers.length > 0 ? [{ node, peers }] : [];
}
