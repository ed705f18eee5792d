// The config keys of DESIGN §12 (approvers, approval.min_approvers, a target's events and
// secret_env): what they load as, and the clear error each bad value gets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/config/loader.js';
import { ConfigError } from '../../src/config/errors.js';

const write = (yaml: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'approval-config-')), 'runbook.yaml');
  writeFileSync(file, yaml);
  return file;
};
const problems = (yaml: string): string => {
  try {
    loadPolicy(write(yaml));
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('loaded, but a problem was expected');
};

describe('approval config', () => {
  it('loads approvers, min_approvers, events and secret_env as DESIGN §12 spells them', () => {
    const p = loadPolicy(
      write(`
approval: { min_approvers: { high: 2 } }
approvers: { low: [U0123ABCD, U0456EFGH], high: [U0123ABCD] }
notifications:
  - { kind: slack, name: ops-channel, url_env: RUNBOOK_SLACK_WEBHOOK_URL, events: [approval, escalation, resolved] }
  - { kind: webhook, name: chat-bridge, url_env: RUNBOOK_ALERT_WEBHOOK_URL, secret_env: RUNBOOK_ALERT_WEBHOOK_SECRET, events: [approval] }
`),
    );
    expect(p.approval.minApprovers).toEqual({ low: 1, high: 2 });
    expect(p.approvers).toEqual({ low: ['U0123ABCD', 'U0456EFGH'], high: ['U0123ABCD'] });
    expect(p.notifications).toEqual([
      { kind: 'slack', name: 'ops-channel', urlEnv: 'RUNBOOK_SLACK_WEBHOOK_URL', events: ['approval', 'escalation', 'resolved'] },
      { kind: 'webhook', name: 'chat-bridge', urlEnv: 'RUNBOOK_ALERT_WEBHOOK_URL', secretEnv: 'RUNBOOK_ALERT_WEBHOOK_SECRET', events: ['approval'] },
    ]);
  });

  it.each([
    ['a name instead of a Slack user ID', 'approvers: { high: [alice] }', /approvers\.high\[0\].*Slack user ID like U0123ABCD/],
    ['min_approvers 0', 'approval: { min_approvers: { high: 0 } }', /approval\.min_approvers\.high.*at least 1/],
    ['an unknown event', 'notifications: [{ kind: log, events: [approvals] }]', /notifications\[0\]\.events\[0\].*escalation, approval, resolved/],
    ['approvals to PagerDuty', 'notifications: [{ kind: pagerduty, routing_key_env: PD_KEY, events: [approval] }]', /pagerduty takes escalation and resolved only/],
    ['a secret written as a value', 'notifications: [{ kind: webhook, url_env: HOOK_URL, secret_env: "s3cr3t value" }]', /secret_env.*environment variable name/],
    ['a misspelt key', 'approval: { min_approver: { high: 2 } }', /unknown key "min_approver" \(did you mean "min_approvers"\?\)/],
  ])('%s is refused with a clear error', (_name, yaml, message) => {
    expect(problems(yaml)).toMatch(message);
  });
});
