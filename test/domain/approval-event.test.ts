// Counting approvers and saying so: identities, the tally everyone shows, who started a run.
import { describe, expect, it } from 'vitest';
import { formatProgress } from '../../src/cli/format.js';
import { approvalTally, approverIdentity, requestOrigin } from '../../src/domain/approval-event.js';
import { type Progress, renderProgress } from '../../src/domain/progress.js';

describe('approval events', () => {
  it('a Slack user is one identity whatever their name; anyone else is their name, case and spaces aside', () => {
    expect(approverIdentity('slack:U0ALICE01/alice')).toBe(approverIdentity('slack:U0ALICE01/alice.renamed'));
    expect(approverIdentity(' Alice ')).toBe(approverIdentity('alice'));
    expect(approverIdentity('slack:U0ALICE01/alice')).not.toBe(approverIdentity('slack:U0BOB0001/alice'));
  });

  it('the tally reads "1 of 2 approvals (alice)", and says nothing when one approval decides', () => {
    expect(approvalTally(2, ['slack:U0ALICE01/alice'])).toBe('1 of 2 approvals (alice)');
    expect(approvalTally(2, [])).toBe('0 of 2 approvals');
    expect(approvalTally(1, ['bob'])).toBeUndefined();
  });

  it('progress in the Web UI details and `runbook status` shows the tally', () => {
    const p: Progress = {
      procedure: 'fix-tailscale',
      node: 'n1',
      dryRun: false,
      status: 'awaiting-approval',
      steps: [],
      decisions: [],
      pendingApproval: {
        step: 'approve restart tailscale',
        risk: 'high',
        requestedAt: '2026-12-07T10:00:00.000Z',
        deadline: '2026-12-07T10:15:00.000Z',
        detail: 'tailscale down/up',
        occurrence: 1,
        minApprovers: 2,
        approvals: ['alice'],
      },
    };
    expect(renderProgress(p, 'wf-1')).toContain('1 of 2 approvals (alice)');
    expect(formatProgress(p)).toContain('1 of 2 approvals (alice)');
  });

  it('who started the run, from requestedBy', () => {
    expect(requestOrigin('alertmanager:NodeEvicted/abc')).toBe('alert');
    expect(requestOrigin('runbook-health-monitor: 3 missed heartbeats (p2p-down)')).toBe('monitor');
    expect(requestOrigin('incident connectivity-incident-x')).toBe('incident');
    expect(requestOrigin('cli:alice')).toBe('operator');
    expect(requestOrigin(undefined)).toBe('unknown');
  });
});
