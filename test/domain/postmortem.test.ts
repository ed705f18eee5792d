// The postmortem draft from recorded histories (test/fixtures/postmortem, recorded through the
// real webhook by test/fixtures/record-postmortem-histories.ts): each draft equals its reviewed
// golden file byte for byte, renders the same twice, holds no secret, changes where an edited
// event says it should, escapes hostile node text, and still renders newer findings it does not
// know. Regenerate the goldens after a reviewed change: UPDATE_GOLDEN=1 npx vitest run <this file>.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import { buildPostmortem, decodeHistory, postmortemOf, renderPostmortem } from '../../src/postmortem/index.js';
import type { RunRecord } from '../../src/postmortem/history.js';
import { postmortemHint } from '../../src/domain/progress.js';
import { ADMIN_KEY } from '../helpers/cluster.js';
import { expectNoSecrets } from '../helpers/secrets.js';
import { recordLog, registerSecrets } from '../helpers/test-logs.js';
import { RECORDING_WEBHOOK_TOKEN } from '../fixtures/postmortem-secrets.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'postmortem');
const CASES = ['incident-healed', 'incident-approved-rejected', 'incident-escalated', 'monitor-recovery'] as const;
type Case = (typeof CASES)[number];
type Recorded = { root: string; histories: Record<string, unknown> };

const SECRETS = { 'admin key': ADMIN_KEY, 'webhook token': RECORDING_WEBHOOK_TOKEN, 'private key armour': 'PRIVATE KEY-----' };
registerSecrets({ 'postmortem webhook token': RECORDING_WEBHOOK_TOKEN });

const recorded = (c: Case): Recorded => JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8')) as Recorded;
const histories = (r: Recorded): Map<string, ReturnType<typeof historyFromJSON>> =>
  new Map(Object.entries(r.histories).map(([id, h]) => [id, historyFromJSON(h)]));
const runs = (r: Recorded): RunRecord[] => [...histories(r)].map(([id, h]) => decodeHistory(id, h));

/** Every draft a test makes goes through here: checked for secrets and kept for the global scan. */
function draft(name: string, md: string): string {
  for (const [what, secret] of Object.entries(SECRETS)) expect(md, `${name} holds the ${what}`).not.toContain(secret);
  recordLog('postmortem', name, md);
  return md;
}

describe('postmortem draft from recorded histories', () => {
  it.each(CASES)('%s: the Markdown equals the reviewed golden file, and --json carries the same content', (c) => {
    const r = recorded(c);
    const model = postmortemOf(r.root, histories(r));
    const md = draft(c, renderPostmortem(model));
    const json = draft(`${c}.json`, JSON.stringify(model, null, 2));
    const golden = join(dir, `${c}.md`);
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(golden)) writeFileSync(golden, md);
    expect(md).toBe(readFileSync(golden, 'utf8'));
    // The data behind the draft: every timeline line of the Markdown is one entry of the JSON.
    expect(md.split('\n').filter((l) => /^- \d{4}-\d\d-\d\dT/.test(l))).toHaveLength(model.timeline.length);
    expect(JSON.parse(json)).toMatchObject({ workflowId: r.root, title: model.title });
  });

  it.each(CASES)('%s: the recorded histories themselves hold no secret', (c) => {
    for (const [id, h] of histories(recorded(c))) expectNoSecrets(h, SECRETS, `${c}: ${id}`);
  });

  it.each(CASES)('%s: the same histories give the same bytes, whatever order they are read in', (c) => {
    const r = recorded(c);
    const once = renderPostmortem(postmortemOf(r.root, histories(r)));
    const reversed = new Map([...histories(r)].reverse());
    expect(renderPostmortem(postmortemOf(r.root, reversed))).toBe(once);
    expect(JSON.stringify(postmortemOf(r.root, histories(r)))).toBe(JSON.stringify(postmortemOf(r.root, reversed)));
  });

  it('key times add up: detect ≤ act ≤ resolve, from the alert', () => {
    const r = recorded('incident-healed');
    const k = postmortemOf(r.root, histories(r)).keyTimes;
    expect(k.timeToDetectMs).toBeGreaterThan(0);
    expect(k.timeToActMs).toBeGreaterThanOrEqual(k.timeToDetectMs!);
    expect(k.timeToResolveMs).toBeGreaterThanOrEqual(k.timeToActMs!);
    // The recorder's alert started 90 s before it was posted: time to detect is that wait.
    expect(k.timeToDetectMs).toBeGreaterThanOrEqual(90_000);
  });

  it('names the approver, the rejecter and their comments; the rejection is a follow-up; people waited', () => {
    const r = recorded('incident-approved-rejected');
    const pm = postmortemOf(r.root, histories(r));
    expect(pm.people.decisions.map((d) => [d.by, d.approved, d.step])).toEqual(
      expect.arrayContaining([['alice', true, 'approve restart tailscale'], ['bob', false, 'approve restart p2p']]),
    );
    expect(pm.keyTimes.waitingForHumansMs).toBeGreaterThan(0);
    expect(pm.followUps.some((f) => f.startsWith('bob rejected'))).toBe(true);
    expect(pm.outcome).toBe('escalated');
    expect(pm.escalations.map((e) => e.reasons.join(' '))).toEqual(expect.arrayContaining([expect.stringContaining('rejected by bob')]));
  });

  it('an edited event in a copy of a history changes the draft there and nowhere else', () => {
    const r = recorded('incident-approved-rejected');
    const before = renderPostmortem(postmortemOf(r.root, histories(r)));
    // The rejected child's completion event: its result says bob rejected; make it mallory.
    const copy = JSON.parse(JSON.stringify(r)) as Recorded;
    const childId = Object.keys(copy.histories).find((id) => id.includes('-r1-restart-p2p-'))!;
    const events = (copy.histories[childId] as { events: Array<Record<string, { result?: { payloads: Array<{ data: string }> } }>> }).events;
    const completed = events.find((e) => e['workflowExecutionCompletedEventAttributes'])!['workflowExecutionCompletedEventAttributes']!;
    const payload = completed.result!.payloads[0]!;
    const result = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as { decisions: Array<{ by: string }> };
    expect(result.decisions[0]!.by).toBe('bob');
    result.decisions[0]!.by = 'mallory';
    payload.data = Buffer.from(JSON.stringify(result)).toString('base64');
    const after = draft('edited', renderPostmortem(postmortemOf(copy.root, histories(copy))));

    const a = before.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length);
    const changed = a.flatMap((line, i) => (line === b[i] ? [] : [[line, b[i]!]]));
    // The decision line of the timeline, the people section, the summary and the follow-up.
    expect(changed.length).toBeGreaterThanOrEqual(3);
    for (const [was, now] of changed) {
      expect(now).toContain('mallory');
      expect(now!.replaceAll('mallory', 'bob')).toBe(was);
    }
  });

  it('escapes hostile node text and still renders findings, fields and activities it does not know', () => {
    const r = runs(recorded('incident-healed'));
    const diagnose = r.find((x) => x.type === 'diagnose')!;
    const report = diagnose.result as { cluster: Record<string, unknown>; findings: Array<Record<string, unknown>> };
    const hostile = '<img src=x onerror=alert(1)>\n# owned [click](http://evil.test) `rm -rf` | *x*';
    report.cluster['leader_id'] = hostile;
    report.findings.push({
      kind: 'unreachable-from-worker',
      node: 'lambda-a10-6',
      evidence: hostile,
      seenBy: { worker: 'unreachable', peers: 'alive', fromPeer: 'nebius-backbone-1' },
      somethingNewer: { nested: true },
    });
    diagnose.activities.push({ type: 'activityFromTheFuture', input: { x: 1 }, scheduledAt: diagnose.startedAt, outcome: 'completed' });
    const root = r.find((x) => x.type === 'connectivity-incident')!;
    root.signals.push({ at: root.startedAt, name: 'signal-from-the-future', input: { by: 'someone' } });
    const md = draft('hostile', renderPostmortem(buildPostmortem(root.workflowId, r)));

    expect(md).toContain('unreachable-from-worker on lambda-a10-6');
    expect(md).toContain('seen by worker: unreachable, peers: alive, fromPeer: nebius-backbone-1');
    // No raw HTML, no link, no heading, no code span, no table cell break from node text.
    expect(md).not.toContain('<img');
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(md).not.toMatch(/^# owned/m);
    expect(md).not.toContain('[click](http');
    expect(md).toContain('\\[click\\]');
    expect(md).toContain('\\`rm -rf\\`');
    expect(md).toContain('\\| \\*x\\*');
    // Every line still starts as its section made it: the newline in the text did not split a line.
    expect(md.split('\n').filter((l) => l.includes('onerror')).every((l) => l.startsWith('- ') || l.startsWith('| '))).toBe(true);
  });

  it('a history that is not there is a clear error, not an empty draft', () => {
    expect(() => buildPostmortem('no-such-run', runs(recorded('incident-healed')))).toThrow(/no history for no-such-run/);
  });
});

describe("the closed run's Web UI details", () => {
  it('name the postmortem command, escaped when the ID cannot sit in a code span', () => {
    expect(postmortemHint('incident-x-1')).toBe('**Postmortem draft**: `runbook postmortem incident-x-1`');
    expect(postmortemHint('odd`id')).toBe('**Postmortem draft**: runbook postmortem odd\\`id');
  });
});
