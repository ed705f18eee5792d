// classify(): findings, escalation and recommendations from hand-made probe results.
import { describe, expect, it } from 'vitest';
import { classify, type NodeMeta } from '../../src/domain/classify.js';
import type { NodeProbe, P2pStatus } from '../../src/domain/probes.js';

const escalation = { unreachableFraction: 0.5, leaderlessMs: 300_000, syncStallMs: 600_000 };
const ok = { ok: true, ms: 2, via: 'primary' as const };
const down = { ok: false, ms: 3000, error: 'timeout' };

function meta(n: number, voters = 3, provider: NodeMeta['provider'] = 'runpod'): NodeMeta[] {
  return Array.from({ length: n }, (_, i) => ({ name: `n${i}`, host: `127.0.0.${i + 2}`, voter: i < voters, provider }));
}

function healthy(name: string, total: number, leader: string | null = 'n0', alive = total): NodeProbe {
  const status: P2pStatus = { status: 'running', leader_id: leader, alive_peers: alive, total_peers: total, cluster_health: 'healthy' };
  return { name, via: 'primary', checks: { p2p: ok, http: ok, ssh: ok }, status };
}

describe('classify', () => {
  it('reports nothing on a healthy cluster', () => {
    const nodes = meta(5);
    const c = classify({ nodes, probes: nodes.map((n) => healthy(n.name, 5)), escalation });
    expect(c.findings).toEqual([]);
    expect(c.escalate).toEqual({ needed: false, reasons: [] });
    expect(c.cluster).toMatchObject({ leader_id: 'n0', alive_peers: 5, voters_alive: 3, voters_total: 3 });
  });

  it('tells p2p-down, host-down, tailscale-down and partition apart', () => {
    const nodes = meta(6);
    const probes = nodes.map((n) => healthy(n.name, 6, 'n0', 4));
    probes[1] = { name: 'n1', via: 'primary', checks: { p2p: { ok: false, ms: 1, error: 'ECONNREFUSED' }, http: ok, ssh: ok } };
    probes[2] = { name: 'n2', via: 'none', checks: { p2p: down, http: down, ssh: down } };
    probes[3] = { ...healthy('n3', 6, 'n0', 4), via: 'fallback' };
    probes[4] = healthy('n4', 6, null, 1);
    const c = classify({ nodes, probes, escalation });
    expect(c.findings.map((f) => [f.kind, f.node])).toEqual([
      ['p2p-down', 'n1'],
      ['host-down', 'n2'],
      ['tailscale-down', 'n3'],
      ['partition', 'n4'],
    ]);
    expect(c.recommended.map((r) => `${r.procedure}:${r.node}`)).toEqual([
      'restart-p2p:n1',
      'fix-tailscale:n3',
      'recover-node:n4',
    ]);
  });

  it('sees ip-changed when Tailscale reports another address for an unreachable primary', () => {
    const nodes = meta(3);
    const probes = nodes.map((n) => healthy(n.name, 3));
    probes[2] = { ...healthy('n2', 3), via: 'fallback' };
    const tailscale = {
      backendState: 'Running',
      peers: nodes.map((n) => ({ name: n.name, online: true, ips: [n.name === 'n2' ? '127.60.0.4' : n.host] })),
    };
    const withTs = nodes.map((n) => ({ ...n, tailscaleIp: n.host }));
    const c = classify({ nodes: withTs, probes, tailscale, escalation });
    expect(c.findings).toEqual([expect.objectContaining({ kind: 'ip-changed', node: 'n2' })]);
    expect(c.recommended).toEqual([expect.objectContaining({ procedure: 'update-hosts', node: 'n2' })]);
  });

  it('never calls ip-changed for seed-style hosts known only by a public address', () => {
    // The seed's config: public IPs, no tailscale_ip; the tailnet reports 100.x for everyone.
    const nodes = meta(3).map((n, i) => ({ ...n, host: `38.80.152.${i + 10}` }));
    const probes = nodes.map((n) => healthy(n.name, 3));
    probes[1] = { ...healthy('n1', 3), via: 'fallback' };
    const tailscale = { backendState: 'Running', peers: nodes.map((n, i) => ({ name: n.name, online: i !== 1, ips: [`100.64.0.${i + 1}`] })) };
    const c = classify({ nodes, probes, tailscale, escalation });
    expect(c.findings.map((f) => [f.kind, f.node])).toEqual([['tailscale-down', 'n1']]);
  });

  it('finds leader-lost and sync-stalled as cluster findings, and escalates a stalled sync', () => {
    const nodes = meta(3);
    const c = classify({
      nodes,
      probes: nodes.map((n) => healthy(n.name, 3, null)),
      sync: { stalled: true, inProgress: true, progress: 0.4, categories: {} },
      escalation,
    });
    expect(c.findings.map((f) => f.kind)).toEqual(['leader-lost', 'sync-stalled']);
    expect(c.escalate.reasons).toContain('data sync completely stalled');
  });

  it('escalates when more than half the nodes are unreachable, and suspects one provider', () => {
    const nodes = meta(4, 1, 'vultr');
    const probes = nodes.map((n, i) => (i === 0 ? healthy(n.name, 4) : { name: n.name, via: 'none' as const, checks: { p2p: down, http: down, ssh: down } }));
    const c = classify({ nodes, probes, escalation });
    expect(c.escalate.needed).toBe(true);
    expect(c.escalate.reasons[0]).toMatch(/3 of 4 nodes unreachable/);
    expect(c.escalate.reasons.join(' ')).toMatch(/provider outage suspected/);
  });

  it('escalates a leaderless cluster only past the §6.1 limit', () => {
    const nodes = meta(3);
    const probes = nodes.map((n) => healthy(n.name, 3, null));
    expect(classify({ nodes, probes, escalation, leaderlessForMs: 60_000 }).escalate.needed).toBe(false);
    expect(classify({ nodes, probes, escalation, leaderlessForMs: 360_000 }).escalate.reasons).toEqual(['no leader for 6 minutes']);
  });

  it('escalates "no election quorum" when fewer than a majority of voters are alive, not before', () => {
    // 9 nodes, voters n0..n4 (quorum 3); host-down nodes stay under the §6.1 unreachable share.
    const nodes = meta(9, 5);
    const downed = (names: string[]): NodeProbe[] =>
      nodes.map((n) => (names.includes(n.name) ? { name: n.name, via: 'none', checks: { p2p: down, http: down, ssh: down } } : healthy(n.name, 9)));
    const two = classify({ nodes, probes: downed(['n1', 'n2']), escalation });
    expect(two.cluster).toMatchObject({ voters_alive: 3, voters_total: 5 });
    expect(two.escalate.reasons.join(' ')).not.toMatch(/quorum/);
    const three = classify({ nodes, probes: downed(['n1', 'n2', 'n3']), escalation });
    expect(three.cluster).toMatchObject({ voters_alive: 2, voters_total: 5 });
    expect(three.escalate.needed).toBe(true);
    expect(three.escalate.reasons).toContain('only 2 of 5 voters alive: no election quorum');
  });
});
