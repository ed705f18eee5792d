// Did the twin end the way the runbook promises? Judged on the twin itself (its faults, its
// leader, the commands it received), never on the procedure's own word alone. Pure.
import type { Expectation } from './scenarios.js';

/** How the driving workflow ended; `timed-out`: it did not end (or heal) within the rehearsal's limit. */
export type RunStatus = 'completed' | 'escalated' | 'failed' | 'timed-out';

export interface TwinAfter {
  /** Faults still on the twin, `node:kind` or `cluster:kind`. */
  faults: string[];
  leader: string | null;
  /** Commands that changed something, sent to the twin's nodes after the fault was injected. */
  commands: number;
}

export interface Verdict {
  /** The twin ended with no fault and a leader. */
  healed: boolean;
  /** The outcome matches the expectation. */
  asExpected: boolean;
  /** Why not, when not. */
  reason?: string;
}

export function judge(expect: Expectation, status: RunStatus, after: TwinAfter): Verdict {
  const healed = after.faults.length === 0 && after.leader !== null;
  const fail = (reason: string): Verdict => ({ healed, asExpected: false, reason });
  switch (expect) {
    case 'healed':
      if (status !== 'completed') return fail(`expected to heal, the run ended ${status}`);
      if (!healed) return fail(`the run completed but the twin is not healthy: ${after.faults.join(', ') || 'no leader'}`);
      return { healed, asExpected: true };
    case 'escalated':
      if (status !== 'escalated') return fail(`expected to escalate, the run ended ${status}`);
      if (after.commands > 0) return fail(`escalated, but ${after.commands} command(s) changed the twin first`);
      if (after.faults.length === 0) return fail('escalated, but the fault is gone: something touched it');
      return { healed, asExpected: true };
    case 'untouched':
      if (status === 'failed' || status === 'timed-out') return fail(`expected to change nothing and end, the run ended ${status}`);
      if (after.commands > 0) return fail(`${after.commands} command(s) changed the twin; this fault must be left alone`);
      if (after.faults.length === 0) return fail('the fault is gone: something touched it');
      return { healed, asExpected: true };
  }
}
