// DESIGN §11: the worker's view corroborated by the cluster's (counts in /status, a peer's check).
import { describe, expect, it } from 'vitest';
import { classify, type NodeMeta } from '../../src/domain/classify.js';
import {
  countVerdict,
  freshLookAt,
  type PeerCheck,
  parsePeerCheck,
  planFreshLook,
  planPeerChecks,
  seenByAll,
  suspectsOf,
} from '../../src/domain/corroboration.js';
import { summarizeSweep } from '../../src/domain/heartbeat.js';
import type { NodeProbe, P2pStatus } from '../../src/domain/probes.js';
import { sshCommand } from '../../src/domain/ssh-catalog.js';

const escalation = { unreachableFraction: 0.5, leaderlessMs: 300_000, syncStallMs: 600_000 };
const ok = { ok: true, ms: 2, via: 'primary' as const };
const refused = { ok: false, ms: 1, error: 'ECONNREFUSED' };
const down = { ok: false, ms: 3000, error: 'timeout' };

function meta(n: number, voters = 5): NodeMeta[] {
  return Array.from({ length: n }, (_, i) => ({ name: `n${i}`, host: `127.0.0.${i + 2}`, voter: i < voters, provider: 'runpod' as const }));
}
function healthy(name: string, total: number, alive = total): NodeProbe {
  const status: P2pStatus = { status: 'running', leader_id: 'n0', alive_peers: alive, total_peers: total, cluster_health: 'healthy' };
  return { name, via: 'primary', checks: { p2p: ok, http: ok, ssh: ok }, status };
}
/** SSH and /health answer the worker, P2P does not. */
const p2pSilent = (name: string): NodeProbe => ({ name, via: 'primary', checks: { p2p: refused, http: ok, ssh: ok } });
const dark = (name: string): NodeProbe => ({ name, via: 'none', checks: { p2p: down, http: down, ssh: down } });
const check = (node: string, p2p: PeerCheck['p2p'], from = 'n0'): PeerCheck => ({ node, from, p2p, ssh: p2p === 'timeout' ? 'timeout' : 'answers' });

describe('the issue review case: 4 of 10 nodes blind to the worker, every peer reports 10/10', () => {
  const nodes = meta(10);
  const probes = nodes.map((n, i) => (i >= 1 && i <= 4 ? p2pSilent(n.name) : healthy(n.name, 10)));

  it('without corroboration (old histories) it still reads p2p-down and recommends restarts', () => {
    const c = classify({ nodes, probes, escalation });
    expect(c.findings.map((f) => f.kind)).toEqual(['p2p-down', 'p2p-down', 'p2p-down', 'p2p-down']);
    expect(c.recommended).toHaveLength(4);
  });

  it('corroborated: unreachable-from-worker for all 4, nothing recommended, voters counted alive', () => {
    const c = classify({ nodes, probes, escalation, peerChecks: [] });
    expect(c.findings.map((f) => [f.kind, f.node])).toEqual([1, 2, 3, 4].map((i) => ['unreachable-from-worker', `n${i}`]));
    expect(c.findings[0]!.seenBy).toEqual({ worker: 'p2p-silent', peers: 'alive' });
    expect(c.findings[0]!.evidence).toMatch(/cluster sees the node alive/);
    expect(c.recommended).toEqual([]);
    expect(c.cluster).toMatchObject({ voters_alive: 5, alive_peers: 10 });
    expect(c.escalate.needed).toBe(false);
  });

  it('more than half the nodes blind to the worker: escalate naming the worker, recommend nothing', () => {
    const many = nodes.map((n, i) => (i >= 1 && i <= 6 ? p2pSilent(n.name) : healthy(n.name, 10)));
    const c = classify({ nodes, probes: many, escalation, peerChecks: [] });
    expect(c.recommended).toEqual([]);
    expect(c.escalate.reasons).toEqual([expect.stringMatching(/worker cannot reach 6 of 10 nodes that the cluster sees alive.*worker's own network/)]);
  });
});

describe("the worker's own Tailscale", () => {
  it('every node answers only on its fallback while the tailnet shows them online: the worker, not the nodes', () => {
    const nodes = meta(4);
    const probes = nodes.map((n) => ({ ...healthy(n.name, 4), via: 'fallback' as const }));
    const tailscale = { backendState: 'Running', peers: nodes.map((n) => ({ name: n.name, online: true, ips: [n.host] })) };
    const c = classify({ nodes, probes, tailscale, escalation, peerChecks: [] });
    expect(c.findings.map((f) => f.kind)).toEqual(Array(4).fill('unreachable-from-worker'));
    expect(c.recommended).toEqual([]);
    expect(c.escalate.reasons).toEqual([expect.stringMatching(/worker's own network/)]);
    // A node Tailscale shows offline is still the node's own Tailscale.
    const offline = { ...tailscale, peers: tailscale.peers.map((p, i) => (i === 0 ? { ...p, online: false } : p)) };
    expect(classify({ nodes, probes, tailscale: offline, escalation, peerChecks: [] }).findings[0]).toMatchObject({ kind: 'tailscale-down', node: 'n0' });
  });
});

describe('counts and peer checks', () => {
  it('the counts confirm dead daemons: no peer check is planned and the finding stands', () => {
    const probes = [healthy('n0', 5, 4), healthy('n1', 5, 4), healthy('n2', 5, 4), healthy('n3', 5, 4), p2pSilent('n4')];
    expect(countVerdict(probes, suspectsOf(probes))).toBe('dead');
    expect(planPeerChecks(probes)).toEqual([]);
    const c = classify({ nodes: meta(5), probes, escalation, peerChecks: [] });
    expect(c.findings).toEqual([expect.objectContaining({ kind: 'p2p-down', node: 'n4', seenBy: { worker: 'p2p-silent', peers: 'dead' } })]);
    expect(c.recommended).toEqual([expect.objectContaining({ procedure: 'restart-p2p', node: 'n4' })]);
  });

  it('counts that cannot tell which: the nodes that answered something are checked first; then the counts settle the rest', () => {
    // 6 nodes, one dead for the cluster, two the worker cannot see on P2P.
    const probes = [healthy('n0', 6, 5), healthy('n1', 6, 5), healthy('n2', 6, 5), healthy('n3', 6, 5), dark('n4'), p2pSilent('n5')];
    expect(countVerdict(probes, suspectsOf(probes))).toBe('unknown');
    expect(planPeerChecks(probes)).toEqual([{ node: 'n5', peers: ['n0', 'n1'] }]);
    // n5 is alive for the peer: the one dead the cluster counts is n4, no second round needed.
    const first = [check('n5', 'answers')];
    expect(planPeerChecks(probes, first)).toEqual([]);
    const c = classify({ nodes: meta(6), probes, escalation, peerChecks: first });
    expect(c.findings.map((f) => [f.kind, f.node])).toEqual([
      ['host-down', 'n4'],
      ['unreachable-from-worker', 'n5'],
    ]);
    expect(c.findings[0]!.seenBy).toEqual({ worker: 'silent', peers: 'dead' });
    expect(c.findings[1]!.seenBy).toEqual({ worker: 'p2p-silent', peers: 'alive', fromPeer: { node: 'n0', p2p: 'answers', ssh: 'answers' } });
  });

  it('a second round for the silent nodes when the first does not settle them', () => {
    // 6 nodes, all alive for the cluster but one: n4 and n5 silent on every port, n3 P2P-silent and dead.
    const probes = [healthy('n0', 6, 5), healthy('n1', 6, 5), healthy('n2', 6, 5), p2pSilent('n3'), dark('n4'), dark('n5')];
    expect(planPeerChecks(probes)).toEqual([{ node: 'n3', peers: ['n0', 'n1'] }]);
    const first = [check('n3', 'refused')];
    expect(planPeerChecks(probes, first)).toEqual([
      { node: 'n4', peers: ['n0', 'n1'] },
      { node: 'n5', peers: ['n1', 'n2'] },
    ]);
    const c = classify({ nodes: meta(6), probes, escalation, peerChecks: [...first, check('n4', 'answers'), check('n5', 'answers')] });
    expect(c.findings.map((f) => [f.kind, f.node])).toEqual([
      ['p2p-down', 'n3'],
      ['unreachable-from-worker', 'n4'],
      ['unreachable-from-worker', 'n5'],
    ]);
  });

  it('a check that could not run says nothing: the counts decide', () => {
    const probes = [healthy('n0', 3, 2), p2pSilent('n1'), p2pSilent('n2')];
    const seen = seenByAll(probes, [{ node: 'n1', from: 'n0', p2p: 'error', ssh: 'error', error: 'cannot run the check on n0: SshConnectError' }]);
    expect(seen.get('n1')).toEqual({ worker: 'p2p-silent', peers: 'unknown' });
  });

  it('no healthy peer: nothing to plan', () => {
    expect(planPeerChecks([dark('n0'), p2pSilent('n1')])).toEqual([]);
  });

  it('the sweep summary keeps a node the cluster sees alive out of the misses', () => {
    const probes = [healthy('n0', 4), healthy('n1', 4), healthy('n2', 4), p2pSilent('n3')];
    expect(summarizeSweep(probes).missed).toEqual([{ node: 'n3', kind: 'p2p-down' }]);
    const s = summarizeSweep(probes, []);
    expect(s.missed).toEqual([]);
    expect(s.unreachableFromWorker).toEqual(['n3']);
  });
});

describe('peer-check command and its output', () => {
  it('names the target by its configured address and ports; an unsafe address is refused', () => {
    const cmd = sshCommand('peer-check', { serviceDir: '~/x', backbone: 'b', p2pPort: 8770, target: { host: '127.0.0.9', p2pPort: 8770, sshPort: 22 } });
    expect(cmd).toContain('http://127.0.0.9:8770/status');
    expect(cmd).toContain('http://127.0.0.9:22/');
    expect(() => sshCommand('peer-check', { serviceDir: '~/x', backbone: 'b', p2pPort: 8770, target: { host: 'a;reboot', p2pPort: 1, sshPort: 2 } })).toThrow(/target/);
    expect(() => sshCommand('peer-check', { serviceDir: '~/x', backbone: 'b', p2pPort: 8770 })).toThrow(/target/);
  });

  it("reads curl's exit statuses", () => {
    expect(parsePeerCheck('n1', 'n0', 'p2p 200 exit 0\nssh exit 1\n')).toEqual({ node: 'n1', from: 'n0', p2p: 'answers', ssh: 'answers' });
    expect(parsePeerCheck('n1', 'n0', 'p2p 000 exit 7\nssh exit 1\n')).toMatchObject({ p2p: 'refused', ssh: 'answers' });
    expect(parsePeerCheck('n1', 'n0', 'p2p 000 exit 28\nssh exit 28\n')).toMatchObject({ p2p: 'timeout', ssh: 'timeout' });
    expect(parsePeerCheck('n1', 'n0', 'p2p 503 exit 0\nssh exit 7\n')).toMatchObject({ p2p: 'error', ssh: 'refused' });
    expect(parsePeerCheck('n1', 'n0', 'bash: curl: command not found')).toMatchObject({ error: expect.stringMatching(/unexpected/) });
  });
});

describe('the fresh look before a change', () => {
  it('healthy, cut off, blind, host-down', () => {
    const around = [healthy('n0', 5), healthy('n1', 5), healthy('n2', 5)];
    expect(freshLookAt('n1', around, []).state).toBe('healthy');
    expect(freshLookAt('n3', [...around, { ...healthy('n3', 5, 1) }], []).state).toBe('cut-off');
    const blind = [...around, p2pSilent('n3')];
    expect(planFreshLook('n3', blind)).toEqual([{ node: 'n3', peers: ['n0', 'n1'] }]);
    expect(freshLookAt('n3', blind, [check('n3', 'answers')]).state).toBe('unreachable-from-worker');
    expect(freshLookAt('n3', blind, [check('n3', 'refused')]).state).toBe('p2p-down');
    expect(freshLookAt('n3', [...around, dark('n3')], [check('n3', 'timeout')]).state).toBe('host-down');
  });
});
