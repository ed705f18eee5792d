// The `notify` activity (DESIGN §9, runbook §6): every configured target at once, each retried
// with backoff on its own, so a dead Slack never delays the page. Secrets (webhook URLs, the
// PagerDuty routing key) are read here from the environment variables the config names; the
// workflow only ever sees target names and outcomes.
import { Context, log } from '@temporalio/activity';
import { workflowUrl } from '../../src/temporal/settings.js';
import type { NotificationTarget } from '../../src/domain/policy.js';
import type { NotifyDelivery, NotifyInput, NotifyResult } from '../../src/domain/notification.js';
import { cancellationSignal } from '../transport/context.js';
import { pagerdutyEvent, type PayloadContext, slackMessage, webhookBody } from './payloads.js';
import { createNotifyAgent, postJson, type SendPolicy } from './send.js';
import { signatureHeaders } from './sign.js';
import { targetWants } from '../../src/domain/approval-event.js';

export interface NotifierDeps {
  targets: readonly NotificationTarget[];
  /** Where `url_env` / `routing_key_env` are looked up; the worker's environment by default. */
  env?: NodeJS.ProcessEnv;
  /** Temporal Web UI base (TEMPORAL_UI_URL), for links to the workflow. */
  uiUrl?: string;
  /** Namespace in the links; default: the namespace of the workflow that called the activity. */
  namespace?: string;
  /** Tests shorten the backoff; production uses SEND_POLICY. */
  sendPolicy?: SendPolicy;
}

/** The calling workflow's namespace (the one the worker was configured with), if in an activity. */
function callerNamespace(): string | undefined {
  try {
    return Context.current().info.workflowNamespace;
  } catch {
    return undefined; // a plain call outside an activity
  }
}

function logLine(input: NotifyInput): void {
  // The log target is the worker's own log: the summary and key, not the whole bundle.
  const meta = { dedupKey: input.dedupKey, source: input.source, severity: input.severity, reasons: input.bundle?.reasons };
  try {
    if (input.action === 'trigger') log.warn(`ESCALATION: ${input.summary}`, meta);
    else log.info(`resolved: ${input.summary}`, meta);
  } catch {
    // Outside an activity (a plain call in a script) there is no activity logger.
    console.error(`${input.action === 'trigger' ? 'ESCALATION' : 'resolved'}: ${input.summary}`);
  }
}

export function createNotifier(deps: NotifierDeps): (input: NotifyInput) => Promise<NotifyResult> {
  const env = deps.env ?? process.env;
  const secret = (name: string): string | undefined => {
    const v = env[name];
    return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
  };
  return async (input) => {
    const now = new Date();
    const signal = cancellationSignal();
    const ctx: PayloadContext = {
      now,
      ...(deps.uiUrl !== undefined && input.workflowId !== undefined && {
        link: workflowUrl({ uiUrl: deps.uiUrl.replace(/\/$/, ''), namespace: deps.namespace ?? callerNamespace() ?? 'default' }, input.workflowId),
      }),
    };
    const agent = createNotifyAgent();
    try {
      const deliveries = await Promise.all(
        // DESIGN §12: a target hears only the events its `events:` list (default per kind).
        deps.targets.filter((t) => targetWants(t, input.action === 'trigger' ? 'escalation' : 'resolved')).map(async (t): Promise<NotifyDelivery> => {
          const base = { target: t.name, kind: t.kind };
          const post = async (url: string | undefined, missing: string, body: unknown, headers?: (b: string) => Record<string, string>): Promise<NotifyDelivery> => {
            if (url === undefined) return { ...base, ok: false, attempts: 0, error: missing };
            const r = await postJson(url, body, { dispatcher: agent, signal, label: t.name, ...(deps.sendPolicy && { policy: deps.sendPolicy }), ...(headers && { headers }) });
            return { ...base, ...r };
          };
          switch (t.kind) {
            case 'log':
              logLine(input);
              return { ...base, ok: true, attempts: 1 };
            case 'webhook': {
              const url = t.url ?? (t.urlEnv !== undefined ? secret(t.urlEnv) : undefined);
              const key = t.secretEnv !== undefined ? secret(t.secretEnv) : undefined;
              if (t.secretEnv !== undefined && key === undefined) return { ...base, ok: false, attempts: 0, error: `environment variable ${t.secretEnv} is not set` };
              const event = { event: input.action === 'trigger' ? 'escalation' : 'resolved', ...webhookBody(input, ctx) };
              return post(url, `environment variable ${t.urlEnv} is not set`, event, key !== undefined ? signatureHeaders(key) : undefined);
            }
            case 'slack':
              return post(secret(t.urlEnv), `environment variable ${t.urlEnv} is not set`, slackMessage(input, ctx));
            case 'pagerduty': {
              const key = secret(t.routingKeyEnv);
              if (key === undefined) return { ...base, ok: false, attempts: 0, error: `environment variable ${t.routingKeyEnv} is not set` };
              return post(t.url, '', pagerdutyEvent(input, key, ctx));
            }
          }
        }),
      );
      return { dedupKey: input.dedupKey, action: input.action, sentAt: now.toISOString(), deliveries };
    } finally {
      await agent.destroy();
    }
  };
}
