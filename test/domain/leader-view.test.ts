// The majority leader view force-election relies on: one node's word never decides, so a stale or
// partitioned node cannot steer an election.
import { describe, expect, it } from 'vitest';
import { leaderByMajority, type NodeView } from '../../src/domain/leader-view.js';
import type { P2pStatus } from '../../src/domain/probes.js';

const view = (node: string, leader: string | null, over: Partial<P2pStatus> = {}): NodeView => ({
  node,
  status: { status: 'running', leader_id: leader, alive_peers: 9, total_peers: 9, cluster_health: leader ? 'healthy' : 'critical', ...over },
});

describe('leaderByMajority', () => {
  it('believes a leader that more than half of the answering nodes name', () => {
    expect(leaderByMajority([view('a', 'v2'), view('b', 'v2'), view('c', null)])).toEqual({
      leader: 'v2',
      answered: 3,
      agreeing: 2,
      connected: ['a', 'b'],
    });
  });

  it('does not believe the first node alone, even when it answers first and sounds healthy', () => {
    const r = leaderByMajority([view('backbone', 'backbone'), view('v2', null), view('v3', null), view('v4', null)]);
    expect(r.leader).toBeNull();
    // The trigger goes to a node that shares the majority view.
    expect(r.connected).toEqual(['v2', 'v3', 'v4']);
  });

  it('a node that says it is partitioned, or sees far fewer peers, votes "no leader"', () => {
    const r = leaderByMajority([
      view('a', 'old', { cluster_health: 'partitioned', alive_peers: 1 }),
      view('b', 'old', { alive_peers: 2 }),
      view('c', null),
    ]);
    expect(r.leader).toBeNull();
    expect(r.connected).toEqual(['c']);
  });

  it('a tie is no majority', () => {
    expect(leaderByMajority([view('a', 'x'), view('b', 'y')]).leader).toBeNull();
    expect(leaderByMajority([]).leader).toBeNull();
  });
});
