// §9 "Election Quorum", the one check restart-p2p, recover-node and force-election's rolling
// restart share before stopping a voter's daemon (one copy, so the procedures cannot disagree).
import { describe, expect, it } from 'vitest';
import { quorumShortfall, quorumSize } from '../../src/domain/cluster-spec.js';

const voters = ['v1', 'v2', 'v3', 'v4', 'v5'];

describe('quorumShortfall', () => {
  it('refuses a stop that leaves fewer live voters than a majority', () => {
    expect(quorumSize(voters.length)).toBe(3);
    expect(quorumShortfall('v1', voters, ['v1', 'v2', 'v3'])).toEqual({ alive: 3, quorum: 3 });
  });

  it('allows a stop that leaves a majority alive', () => {
    expect(quorumShortfall('v1', voters, ['v1', 'v2', 'v3', 'v4'])).toBeUndefined();
  });

  it('allows stopping a voter that is down anyway: it changes nothing', () => {
    expect(quorumShortfall('v5', voters, ['v1', 'v2', 'v3'])).toBeUndefined();
  });

  it('never concerns a node that is no voter', () => {
    expect(quorumShortfall('worker-1', voters, ['v1', 'v2', 'worker-1'])).toBeUndefined();
  });

  it('counts a one-voter cluster: its only voter can never be stopped safely', () => {
    expect(quorumShortfall('v1', ['v1'], ['v1'])).toEqual({ alive: 1, quorum: 1 });
  });
});
