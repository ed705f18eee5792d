// The notify activity against local HTTP receivers standing in for Slack, PagerDuty and a generic
// webhook (subnet 130). Each body is checked against the vendor's documented format; secrets
// appear only where the vendor requires them (PagerDuty's routing_key); a failing target is
// retried with backoff and holds up nobody.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../activities/notify/index.js';
import { loadPolicy } from '../../src/config/loader.js';
import type { NotificationTarget } from '../../src/domain/policy.js';
import type { NotifyInput } from '../../src/domain/notification.js';
import type { EscalationBundle } from '../../src/domain/procedure-input.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { pagerdutyResolve, pagerdutyTrigger, slackMessage } from '../helpers/vendor-schemas.js';
import { ADMIN_KEY } from '../helpers/cluster.js';
import { REDACTED, notificationSecretNames, secretsFromEnv } from '../../src/logging/redact.js';
import { RunbookLogger } from '../../src/logging/logger.js';

const HOST = '127.25.0.1';
const ROUTING_KEY = 'R0UTINGKEY0123456789abcdefabcdef';
const SLACK_TOKEN = 'T000/B000/slack-secret-XXXXXXXXXXXX';
const HOOK_TOKEN = 'hook-secret-token-77';
const fast = { attempts: 4, backoffMs: 50, maxBackoffMs: 200, timeoutMs: 2000 };

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
const receiver = async (path: string, answer?: (n: number) => number): Promise<Receiver> => {
  const r = await startReceiver(HOST, path, answer);
  receivers.push(r);
  return r;
};

const bundle: EscalationBundle = {
  reasons: ['node-3 answers on no address (host down)'],
  p2pStatus: [{ node: 'node-0', status: { status: 'running', leader_id: 'node-0' } }],
  routing: [{ node: 'node-3', dns: { ok: true, addresses: ['127.25.0.4'] } }],
  recentChanges: [],
  providerStatusPages: [{ provider: 'runpod', url: 'https://uptime.runpod.io' }],
  tailscaleFromNodes: [{ node: 'node-0', output: 'x'.repeat(50_000) }],
};

const trigger: NotifyInput = {
  dedupKey: 'recover-node-node-3-abc',
  action: 'trigger',
  summary: 'recover-node on node-3 escalated: node-3 answers on no address (host down)',
  severity: 'critical',
  source: 'node-3',
  procedure: 'recover-node',
  workflowId: 'recover-node-node-3-abc',
  bundle,
};

async function setup(): Promise<{ pd: Receiver; slack: Receiver; hook: Receiver; notify: ReturnType<typeof createNotifier> }> {
  const [pd, slack, hook] = await Promise.all([receiver('/v2/enqueue'), receiver(`/services/${SLACK_TOKEN}`), receiver(`/in/${HOOK_TOKEN}`)]);
  const targets: NotificationTarget[] = [
    { kind: 'log', name: 'worker-log' },
    { kind: 'pagerduty', name: 'oncall', routingKeyEnv: 'TEST_PD_KEY', url: pd.url },
    { kind: 'slack', name: 'ops-channel', urlEnv: 'TEST_SLACK_URL' },
    { kind: 'webhook', name: 'ticketing', urlEnv: 'TEST_HOOK_URL' },
  ];
  const env = { TEST_PD_KEY: ROUTING_KEY, TEST_SLACK_URL: slack.url, TEST_HOOK_URL: hook.url };
  return { pd, slack, hook, notify: createNotifier({ targets, env, uiUrl: 'http://127.0.0.1:8233', sendPolicy: fast }) };
}

describe('notify activity', () => {
  it('sends each vendor its documented format, the bundle bounded, secrets only where the vendor requires them', async () => {
    const { pd, slack, hook, notify } = await setup();
    const r = await notify(trigger);
    expect(r.deliveries.map((d) => [d.kind, d.target, d.ok])).toEqual([
      ['log', 'worker-log', true],
      ['pagerduty', 'oncall', true],
      ['slack', 'ops-channel', true],
      ['webhook', 'ticketing', true],
    ]);
    const page = pagerdutyTrigger.parse(pd.received[0]!.json);
    expect(page.dedup_key).toBe(trigger.dedupKey);
    expect(page.payload.severity).toBe('critical');
    expect(page.payload.source).toBe('node-3');
    expect(page.links?.[0]?.href).toBe('http://127.0.0.1:8233/namespaces/default/workflows/recover-node-node-3-abc');
    const details = page.payload.custom_details as unknown as EscalationBundle;
    expect(details.reasons).toEqual(bundle.reasons);
    expect(details.providerStatusPages).toEqual(bundle.providerStatusPages);
    // A 50 KB tailscale output is cut: the whole event stays small enough for a page.
    expect(details.truncated).toBe(true);
    expect(pd.received[0]!.body.length).toBeLessThan(20 * 1024);

    const msg = slackMessage.parse(slack.received[0]!.json);
    expect(msg.text).toMatch(/^ESCALATION \(critical\): recover-node on node-3 escalated/);
    expect(JSON.stringify(msg.blocks)).toContain('uptime.runpod.io');

    const generic = hook.received[0]!.json as Record<string, unknown>;
    expect(generic).toMatchObject({ version: 1, dedupKey: trigger.dedupKey, action: 'trigger', source: 'node-3' });

    // The routing key only in PagerDuty's routing_key; webhook URLs (their tokens) in no body.
    const { routing_key: _key, ...rest } = pd.received[0]!.json as Record<string, unknown>;
    for (const [who, body] of [['pagerduty (without routing_key)', JSON.stringify(rest)], ['slack', slack.received[0]!.body], ['webhook', hook.received[0]!.body]] as const) {
      for (const [name, secret] of Object.entries({ 'routing key': ROUTING_KEY, 'slack token': SLACK_TOKEN, 'webhook token': HOOK_TOKEN, 'admin key': ADMIN_KEY })) {
        expect(body.includes(secret), `${name} in the ${who} payload`).toBe(false);
      }
    }
    // The outcome names targets, never their URLs or keys.
    expect(JSON.stringify(r)).not.toMatch(/slack-secret|hook-secret|R0UTINGKEY/);
  });

  it('resolves with the same dedup_key and nothing else', async () => {
    const { pd, slack, notify } = await setup();
    await notify(trigger);
    const { bundle: _bundle, ...withoutBundle } = trigger;
    await notify({ ...withoutBundle, action: 'resolve', severity: 'info', summary: 'node-3 answers heartbeats again' });
    expect(pd.received).toHaveLength(2);
    const resolve = pagerdutyResolve.parse(pd.received[1]!.json);
    expect(resolve.dedup_key).toBe(pagerdutyTrigger.parse(pd.received[0]!.json).dedup_key);
    expect(slackMessage.parse(slack.received[1]!.json).text).toMatch(/^RESOLVED: /);
  });

  it('retries a failing target with backoff and never holds up the others', async () => {
    // Slack answers 500 twice, then 200; PagerDuty answers 503 for good.
    const pd = await receiver('/v2/enqueue', () => 503);
    const slack = await receiver('/services/x', (n) => (n <= 2 ? 500 : 200));
    const hook = await receiver('/in/x');
    const notify = createNotifier({
      targets: [
        { kind: 'pagerduty', name: 'oncall', routingKeyEnv: 'K', url: pd.url },
        { kind: 'slack', name: 'ops', urlEnv: 'S' },
        { kind: 'webhook', name: 'tickets', urlEnv: 'H' },
      ],
      env: { K: ROUTING_KEY, S: slack.url, H: hook.url },
      sendPolicy: fast,
    });
    const r = await notify(trigger);
    expect(r.deliveries).toEqual([
      { target: 'oncall', kind: 'pagerduty', ok: false, attempts: 4, httpStatus: 503, error: 'HTTP 503' },
      { target: 'ops', kind: 'slack', ok: true, attempts: 3, httpStatus: 200 },
      { target: 'tickets', kind: 'webhook', ok: true, attempts: 1, httpStatus: 202 },
    ]);
    // Backoff: the pauses between PagerDuty's attempts grow.
    const gaps = pd.received.slice(1).map((x, i) => x.at - pd.received[i]!.at);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
    // The webhook got its message before PagerDuty's retries were over.
    expect(hook.received[0]!.at).toBeLessThan(pd.received[3]!.at);
  });

  it('reports a target whose environment variable is not set, naming the variable, and sends the rest', async () => {
    const hook = await receiver('/in/x');
    const notify = createNotifier({
      targets: [
        { kind: 'pagerduty', name: 'oncall', routingKeyEnv: 'RUNBOOK_PD_KEY_UNSET', url: hook.url },
        { kind: 'webhook', name: 'tickets', urlEnv: 'H' },
      ],
      env: { H: hook.url },
      sendPolicy: fast,
    });
    const r = await notify(trigger);
    expect(r.deliveries[0]).toEqual({ target: 'oncall', kind: 'pagerduty', ok: false, attempts: 0, error: 'environment variable RUNBOOK_PD_KEY_UNSET is not set' });
    expect(r.deliveries[1]!.ok).toBe(true);
    expect(hook.received).toHaveLength(1);
  });
});

describe('notification config', () => {
  it('loads targets with env var names, and refuses a webhook with neither url nor url_env, naming file, field and line', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'notify-config-'));
    const good = join(dir, 'runbook.yaml');
    writeFileSync(
      good,
      ['notifications:', '  - kind: log', '  - kind: slack', '    name: ops', '    url_env: RUNBOOK_SLACK_URL', '  - kind: pagerduty', '    routing_key_env: RUNBOOK_PD_KEY', ''].join('\n'),
    );
    expect(loadPolicy(good).notifications).toEqual([
      { kind: 'log', name: 'log' },
      { kind: 'slack', name: 'ops', urlEnv: 'RUNBOOK_SLACK_URL' },
      { kind: 'pagerduty', name: 'pagerduty', routingKeyEnv: 'RUNBOOK_PD_KEY', url: 'https://events.pagerduty.com/v2/enqueue' },
    ]);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, ['notifications:', '  - kind: webhook', '    name: tickets', ''].join('\n'));
    expect(() => loadPolicy(bad)).toThrow(/bad\.yaml:2.*notifications\.0\.url_env|notifications\[0\]\.url_env.*needs url_env/s);
  });
});

describe('notifications carry untrusted text inertly', () => {
  // A failed stop's stderr and a node's answers reach the reasons: `<!channel>` would ping a
  // channel, `<https://…|…>` would be a disguised link, kilobytes of stderr a wall of text.
  const hostile = `stop failed: <!channel> & <https://evil.example/x|Open in Temporal> ${'E'.repeat(5_000)}`;
  const input: NotifyInput = {
    ...trigger,
    summary: `restart-p2p on node-3 escalated: ${hostile}`,
    bundle: { ...bundle, reasons: [hostile], providerStatusPages: [{ provider: 'runpod>|<!here', url: 'https://uptime.runpod.io/a|b>c' }] },
  };

  it('Slack: &, < and > escaped in text and blocks, node text capped, only our own links', async () => {
    const slack = await receiver(`/services/${SLACK_TOKEN}`);
    const notify = createNotifier({ targets: [{ kind: 'slack', name: 'ops', urlEnv: 'S' }], env: { S: slack.url }, uiUrl: 'http://127.0.0.1:8233', sendPolicy: fast });
    expect((await notify(input)).deliveries[0]).toMatchObject({ ok: true });
    const msg = slackMessage.parse(slack.received[0]!.json);
    const texts = [msg.text, ...JSON.stringify(msg.blocks).match(/"text":"(?:[^"\\]|\\.)*"/g)!.map((t) => JSON.parse(`{${t}}`).text as string)];
    const links: string[] = [];
    for (const t of texts) {
      expect(t).not.toMatch(/<!|<https:\/\/evil/);
      expect(t.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/&/);
      for (const m of t.matchAll(/<([^>]*)>/g)) links.push(m[1]!);
      expect(t.length, 'each text capped well below Slack\'s limit').toBeLessThan(1_000);
    }
    expect(msg.text).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example/x|Open in Temporal&gt;');
    // Ours: the provider page (its | and > cannot end the link) and the workflow.
    expect(links.sort()).toEqual([
      'http://127.0.0.1:8233/namespaces/default/workflows/recover-node-node-3-abc|open in Temporal',
      'https://uptime.runpod.io/a%7Cb&gt;c|runpod&gt;¦&lt;!here',
    ]);
  });

  it('links name the namespace the worker runs in, not `default`', async () => {
    const hook = await receiver(`/in/${HOOK_TOKEN}`);
    const notify = createNotifier({ targets: [{ kind: 'webhook', name: 'h', urlEnv: 'H' }], env: { H: hook.url }, uiUrl: 'http://127.0.0.1:8233/', sendPolicy: fast });
    const activity = new MockActivityEnvironment({ workflowNamespace: 'prod-gpu' });
    await activity.run(notify, trigger);
    expect((hook.received[0]!.json as { link?: string }).link).toBe('http://127.0.0.1:8233/namespaces/prod-gpu/workflows/recover-node-node-3-abc');
  });

  it('every secret variable the config names (Slack URL, PagerDuty key, webhook URL and token) is redacted from log lines', () => {
    const targets: NotificationTarget[] = [
      { kind: 'slack', name: 'ops', urlEnv: 'OPS_SLACK_HOOK' },
      { kind: 'pagerduty', name: 'oncall', routingKeyEnv: 'OPS_PD_KEY', url: 'https://events.pagerduty.com/v2/enqueue' },
      { kind: 'webhook', name: 'ticketing', urlEnv: 'OPS_TICKET_URL' },
      { kind: 'log', name: 'worker-log' },
    ];
    const env = {
      OPS_SLACK_HOOK: `https://hooks.slack.com/services/${SLACK_TOKEN}`,
      OPS_PD_KEY: ROUTING_KEY,
      OPS_TICKET_URL: `https://tickets.example/in/${HOOK_TOKEN}`,
      RUNBOOK_WEBHOOK_TOKEN: 'alertmanager-bearer-token-1',
    };
    const lines: string[] = [];
    const logger = new RunbookLogger({ format: 'text', secrets: secretsFromEnv(env, notificationSecretNames(targets)), write: (l) => lines.push(l) });
    logger.warn(`post to ${env.OPS_SLACK_HOOK} failed; key ${ROUTING_KEY}; ${env.OPS_TICKET_URL}`, { error: new Error(`bearer ${env.RUNBOOK_WEBHOOK_TOKEN}`) });
    expect(lines.join('\n')).not.toMatch(/slack-secret|R0UTINGKEY|hook-secret|alertmanager-bearer/);
    expect(lines.join('\n')).toContain(REDACTED);
  });
});
