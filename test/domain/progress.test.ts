// Progress as the Web UI shows it, and steps in the order they ran (fix-tailscale once listed
// "tailscale up" after the check that followed it): pure functions of src/domain/progress.ts,
// tested without a workflow.
import { describe, expect, it } from 'vitest';
import { moveToRunOrder, type Progress, renderProgress, type StepProgress, stepEntry } from '../../src/domain/progress.js';

/** What ProcedureRun does: plan every step as pending, then start steps one by one. */
function runInOrder(plan: string[], ran: string[]): string[] {
  const steps: StepProgress[] = [];
  for (const name of plan) stepEntry(steps, name);
  for (const name of ran) {
    const s = stepEntry(steps, name);
    moveToRunOrder(steps, s);
    s.state = 'done';
  }
  return steps.map((s) => `${s.name}=${s.state}`);
}

describe('steps in the order they ran', () => {
  it('a step outside the plan goes where it ran, not after the steps still to come (fix-tailscale over the fallback)', () => {
    const plan = ['check node', 'check cluster reachability', 'approve restart tailscale', 'restart tailscale', 'verify tailscale online'];
    expect(runInOrder(plan, ['check node', 'check cluster reachability', 'approve restart tailscale', 'restart tailscale', 'tailscale up'])).toEqual([
      'check node=done',
      'check cluster reachability=done',
      'approve restart tailscale=done',
      'restart tailscale=done',
      'tailscale up=done',
      'verify tailscale online=pending',
    ]);
  });

  it('a planned step that runs early moves up behind the steps that ran (recover-node verifies before any restart)', () => {
    const plan = ['check node', 'check reachability from node', 'check cluster reachability', 'restart systemd-networkd', 'verify rejoined'];
    expect(runInOrder(plan, ['check node', 'check reachability from node', 'verify rejoined'])).toEqual([
      'check node=done',
      'check reachability from node=done',
      'verify rejoined=done',
      'check cluster reachability=pending',
      'restart systemd-networkd=pending',
    ]);
  });

  it('a step run again keeps the place of its first run', () => {
    expect(runInOrder(['a', 'b', 'c'], ['a', 'c', 'b', 'c'])).toEqual(['a=done', 'c=done', 'b=done']);
  });
});

describe('renderProgress (the Web UI current details)', () => {
  const base: Progress = {
    procedure: 'fix-tailscale',
    node: 'gpu-1',
    dryRun: false,
    status: 'running',
    steps: [
      { name: 'check node', state: 'done', detail: 'primary: running, leader *n1*' },
      { name: 'approve restart tailscale', state: 'awaiting-approval', risk: 'high' },
      { name: 'restart tailscale', state: 'pending' },
    ],
    decisions: [],
  };

  it('heads with procedure, node and status, one line per step, node text escaped', () => {
    const md = renderProgress(base, 'wf-1');
    expect(md.split('\n')[0]).toBe('**fix-tailscale** on `gpu-1`: running');
    expect(md).toContain('- `done` check node: primary: running, leader \\*n1\\*');
    expect(md).toContain('- `WAITING` approve restart tailscale');
    expect(md).toContain('- `pending` restart tailscale');
    expect(md).not.toContain('Waiting for approval');
  });

  it('a pending approval names the workflow and the step in the command that decides it', () => {
    const md = renderProgress(
      { ...base, pendingApproval: { step: 'approve restart tailscale', risk: 'high', requestedAt: 't0', deadline: 't1', detail: 'down/up <b>now</b>' } },
      'wf-1',
    );
    expect(md).toContain("`runbook approve wf-1 --step 'approve restart tailscale' --by YOUR_NAME`");
    expect(md).toContain('until t1');
    expect(md).not.toContain('<b>');
  });

  it('ends with the summary, escaped, and marks a dry run', () => {
    const md = renderProgress({ ...base, dryRun: true, status: 'completed' }, 'wf-1', 'done _quickly_');
    expect(md.split('\n')[0]).toBe('**fix-tailscale** on `gpu-1` (dry run): completed');
    expect(md.endsWith('done \\_quickly\\_')).toBe(true);
  });
});
