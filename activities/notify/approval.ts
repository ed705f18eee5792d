// The `notifyApproval` activity (DESIGN §12): an approval event to every target whose `events:`
// include `approval`, each retried with backoff on its own (send.ts), so a dead Slack never
// delays the others, and never the gate (the workflow does not wait for this before deciding).
import { Context, log } from '@temporalio/activity';
import { type ApprovalEvent, targetWants } from '../../src/domain/approval-event.js';
import type { NotifyDelivery } from '../../src/domain/notification.js';
import type { NotificationTarget } from '../../src/domain/policy.js';
import { cancellationSignal } from '../transport/context.js';
import { type ApprovalContext, approvalSummary, slackApprovalMessage, webhookApprovalBody } from './approval-payloads.js';
import { createNotifyAgent, postJson, type SendPolicy } from './send.js';
import { signatureHeaders } from './sign.js';

export interface ApprovalNotifierDeps {
  targets: readonly NotificationTarget[];
  env?: NodeJS.ProcessEnv;
  uiUrl?: string;
  sendPolicy?: SendPolicy;
}

export interface ApprovalNotifyResult {
  event: ApprovalEvent['event'];
  dedupKey: string;
  sentAt: string;
  /** One per target that takes approval events: its name and outcome, never a URL or key. */
  deliveries: NotifyDelivery[];
}

/** The namespace the workflow runs in, so the link opens it (not always `default`). */
function namespace(): string {
  try {
    return Context.current().info.workflowNamespace ?? 'default';
  } catch {
    return 'default';
  }
}

function logLine(e: ApprovalEvent): void {
  const meta = { dedupKey: e.dedupKey, workflowId: e.workflowId, step: e.step, risk: e.risk };
  try {
    log.warn(approvalSummary(e), meta);
  } catch {
    console.error(approvalSummary(e));
  }
}

export function createApprovalNotifier(deps: ApprovalNotifierDeps): (e: ApprovalEvent) => Promise<ApprovalNotifyResult> {
  const env = deps.env ?? process.env;
  const secret = (name: string | undefined): string | undefined => {
    const v = name !== undefined ? env[name] : undefined;
    return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
  };
  return async (e) => {
    const now = new Date();
    const ctx: ApprovalContext = {
      now,
      ...(deps.uiUrl !== undefined && {
        link: `${deps.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace())}/workflows/${encodeURIComponent(e.workflowId)}/${encodeURIComponent(e.runId)}`,
      }),
    };
    const signal = cancellationSignal();
    const agent = createNotifyAgent();
    try {
      const deliveries = await Promise.all(
        deps.targets
          .filter((t) => targetWants(t, 'approval'))
          .map(async (t): Promise<NotifyDelivery> => {
            const base = { target: t.name, kind: t.kind };
            const send = { dispatcher: agent, signal, label: t.name, ...(deps.sendPolicy && { policy: deps.sendPolicy }) };
            switch (t.kind) {
              case 'log':
                logLine(e);
                return { ...base, ok: true, attempts: 1 };
              case 'slack': {
                const url = secret(t.urlEnv);
                if (url === undefined) return { ...base, ok: false, attempts: 0, error: `environment variable ${t.urlEnv} is not set` };
                return { ...base, ...(await postJson(url, slackApprovalMessage(e, ctx), send)) };
              }
              case 'webhook': {
                const url = t.url ?? secret(t.urlEnv);
                if (url === undefined) return { ...base, ok: false, attempts: 0, error: `environment variable ${t.urlEnv} is not set` };
                const key = secret(t.secretEnv);
                // A configured signature that cannot be made is a failed delivery, never an unsigned post.
                if (t.secretEnv !== undefined && key === undefined) return { ...base, ok: false, attempts: 0, error: `environment variable ${t.secretEnv} is not set` };
                return { ...base, ...(await postJson(url, webhookApprovalBody(e, ctx), { ...send, ...(key !== undefined && { headers: signatureHeaders(key) }) })) };
              }
              case 'pagerduty':
                // The config refuses `approval` for pagerduty; a page is not a question.
                return { ...base, ok: false, attempts: 0, error: 'pagerduty does not take approval events' };
            }
          }),
      );
      return { event: e.event, dedupKey: e.dedupKey, sentAt: now.toISOString(), deliveries };
    } finally {
      await agent.destroy();
    }
  };
}
