// The tutorial's conventions (test/docs/doc-steps.ts), without a stack: what a page may claim.
import { describe, expect, it } from 'vitest';
import { DocError, fillPlaceholders, parseDocSteps } from './doc-steps.js';

const page = (...lines: string[]): string => lines.join('\n');

describe('tutorial pages', () => {
  it('reads command blocks, their shown output, expects and captures', () => {
    const steps = parseDocSteps(
      page(
        '```bash stack', 'npm start', '```', '```text', 'Ctrl-C stops the stack.', '```', '<!-- expect: "Ctrl-C stops" -->',
        'Prose.',
        '```bash', 'npx runbook list', '```', '```text', 'awaiting-approval  fix-tailscale-n1-abc', '```',
        '<!-- expect within 60 s: "awaiting-approval" -->', '<!-- capture workflow-id: fix-tailscale-\\S+ -->',
        '```bash', 'npx runbook approve <workflow-id>', '```', '```text', 'approved "approve restart tailscale"', '```',
        '<!-- expect: "approved \\"approve restart tailscale\\"" -->',
      ),
      'doc.md',
    );
    expect(steps.map((s) => [s.kind, s.script, s.line, s.expect, s.withinMs])).toEqual([
      ['stack', 'npm start', 1, ['Ctrl-C stops'], undefined],
      ['run', 'npx runbook list', 9, ['awaiting-approval'], 60_000],
      ['run', 'npx runbook approve <workflow-id>', 17, ['approved "approve restart tailscale"'], undefined],
    ]);
    expect(steps[1]!.capture?.pattern.exec('x fix-tailscale-n1-abc y')?.[0]).toBe('fix-tailscale-n1-abc');
    expect(fillPlaceholders(steps[2]!, new Map([['workflow-id', 'fix-tailscale-n1-abc']]), 'doc.md')).toBe('npx runbook approve fix-tailscale-n1-abc');
  });

  it('refuses an expect the page does not show, naming the file and line', () => {
    const md = page('```bash', 'npx runbook diagnose', '```', '```text', 'Health: healthy', '```', '<!-- expect: "Health: degraded" -->');
    expect(() => parseDocSteps(md, 'doc.md')).toThrow(new DocError('doc.md:7: expects "Health: degraded", which the page\'s output block above does not show'));
  });

  it('refuses a command block that checks nothing', () => {
    expect(() => parseDocSteps(page('```bash', 'npx runbook diagnose', '```'), 'doc.md')).toThrow(/doc\.md:1: a command block with no <!-- expect/);
  });

  it('refuses a placeholder nothing captured, and an unreadable marker', () => {
    const [s] = parseDocSteps(page('```bash', 'npx runbook approve <workflow-id>', '```', '```text', 'ok', '```', '<!-- expect: "ok" -->'), 'doc.md');
    expect(() => fillPlaceholders(s!, new Map(), 'doc.md')).toThrow(/doc\.md:1: <workflow-id> was not captured/);
    expect(() => parseDocSteps(page('```bash', 'x', '```', '<!-- expect "ok" -->'), 'doc.md')).toThrow(/doc\.md:4: cannot read/);
  });
});
