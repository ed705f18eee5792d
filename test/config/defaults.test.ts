// One source for each default (STYLE §17): src/domain/defaults.ts. The schema, the workflows'
// fallbacks and the shipped config/runbook.yaml must all say the same: once each kept its own copy,
// and a default changed in one place silently disagreed with the others.
import { describe, expect, it } from 'vitest';
import { defaultPolicy, loadPolicy } from '../../src/config/loader.js';
import { runbookPolicySchema } from '../../src/config/schema.js';
import { POLICY_DEFAULTS } from '../../src/domain/defaults.js';
import { approvalDefaults, policyDefaults } from '../../workflows/runtime/policy-defaults.js';

describe('policy defaults', () => {
  it('an empty runbook.yaml loads as POLICY_DEFAULTS (the schema reads them, in seconds and minutes)', () => {
    expect(defaultPolicy()).toEqual(POLICY_DEFAULTS);
  });

  it('the shipped config/runbook.yaml spells out exactly the defaults', () => {
    expect(loadPolicy('config/runbook.yaml')).toEqual(POLICY_DEFAULTS);
  });

  it('the workflows fall back on the same values', () => {
    expect(approvalDefaults()).toEqual(POLICY_DEFAULTS.approval);
    const d = policyDefaults();
    expect(d.batchSize).toBe(POLICY_DEFAULTS.probe.batchSize);
    expect(d.unreachableFraction).toBe(POLICY_DEFAULTS.escalation.unreachableFraction);
    expect(d.leaderlessMs).toBe(POLICY_DEFAULTS.escalation.leaderlessMs);
  });

  it('a parsed default is a copy: editing it leaves the next parse alone', () => {
    const first = runbookPolicySchema.parse({});
    first.notifications.push({ kind: 'webhook', url: 'https://example.invalid/hook' });
    first.approval.modes.low = 'require';
    expect(defaultPolicy()).toEqual(POLICY_DEFAULTS);
  });

  it('an approval mode outside auto/require is refused with its path', () => {
    const r = runbookPolicySchema.safeParse({ approval: { modes: { low: 'sometimes' } } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['approval', 'modes', 'low']);
  });
});
