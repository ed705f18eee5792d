// The one-line history summaries of activities and the start details (so the history reads like
// the runbook), and the CLI's requester (who did what): pure functions, no server.
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cliRequester } from '../../src/cli/requester.js';
import { activitySummary } from '../../src/domain/activity-summary.js';
import { startDetails } from '../../src/domain/start-details.js';

describe('activitySummary', () => {
  it('names the section of the SSH command, the step and the node', () => {
    expect(activitySummary('sshRun', { node: 'lambda-h100-7', step: 'p2p-stop' }, { step: 'stop p2p daemon' })).toBe('§4.1 stop p2p daemon on lambda-h100-7');
    expect(activitySummary('sshRun', { node: 'n1', step: 'networkd-restart' }, { step: 'restart networkd' })).toBe('§4.5 restart networkd (networkd-restart) on n1');
    expect(activitySummary('sshRun', { node: 'n1', step: 'p2p-stop' })).toBe('§4.1 stop p2p daemon on n1');
  });

  it('names cluster-wide activities with the run node, and lists a few of many nodes', () => {
    expect(activitySummary('reachability', {}, { step: 'check cluster reachability', runNode: 'n1' })).toBe('§6.1 check cluster reachability (cluster-wide, for n1)');
    expect(activitySummary('clusterInfo', {})).toBe('§9 read the cluster roster and voters (cluster-wide)');
    expect(activitySummary('probeNodes', { nodes: ['a', 'b', 'c', 'd'] }, { step: 'probe nodes' })).toBe('§3.2 probe nodes on 4 nodes: a, b, c, …');
    expect(activitySummary('waitForNode', { node: 'n1', until: 'rejoined' })).toBe('§4.1 poll /status until rejoined on n1');
  });

  it('keeps one line of bounded length', () => {
    expect(activitySummary('probeNodes', { node: 'x'.repeat(500) }).length).toBeLessThanOrEqual(200);
  });
});

describe('startDetails', () => {
  it('says who asked and links the parent incident, markdown escaped', () => {
    const md = startDetails({ workflow: 'restart-p2p', node: 'n1', section: '§4.1', requestedBy: 'incident inc_1', parent: { kind: 'incident', workflowId: 'inc_1', url: 'http://ui/x' } });
    expect(md).toBe('**restart-p2p** (§4.1) on `n1`, requested by incident inc\\_1.\n\nStarted by the incident [inc\\_1](http://ui/x).');
  });
});

describe('cliRequester', () => {
  it('is the OS user, or --by', () => {
    expect(cliRequester()).toBe(`cli:${userInfo().username}`);
    expect(cliRequester(' alice ')).toBe('cli:alice');
  });
  it('refuses an empty or multi-line --by', () => {
    expect(() => cliRequester('  ')).toThrow('--by "  ": give a non-empty, one-line name');
    expect(() => cliRequester('a\nb')).toThrow(/one-line/);
  });
});
