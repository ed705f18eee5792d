// Wires the webhook app to its real dependencies (a Temporal client, the hosts file, the
// policy) and a listening socket. Used by `runbook webhook`, `runbook dev` and the tests.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import { buildInput } from '../client/procedures.js';
import type { ClusterSpec } from '../domain/cluster-spec.js';
import type { RunbookPolicy } from '../domain/policy.js';
import { type WebhookMetrics } from './metrics.js';
import { createWebhookApp } from './app.js';
import { type IncidentIntake, temporalIntake } from './temporal-intake.js';
import { temporalGates } from './approval-gates.js';
import type { SlackInteractionsOptions } from './slack-interactions.js';
import { SLACK_SIGNING_SECRET_ENV } from './slack-signature.js';

export interface WebhookServerOptions {
  client: Client;
  taskQueue: string;
  /** The cluster, read per request (the worker's watchedCluster follows hosts-file edits). */
  cluster: () => ClusterSpec;
  policy: RunbookPolicy;
  token: string | undefined;
  /** Web UI base (TEMPORAL_UI_URL), for the links in the 202 and the incident's children. */
  uiUrl: string;
  host?: string;
  /** 0 lets the OS pick. */
  port?: number;
  logger?: Logger;
  bodyLimitBytes?: number;
  /** Extra input for every incident (tests: short waits, their own slot semaphore). */
  inputExtras?: Record<string, unknown>;
  /** Tests: wraps the Temporal intake (hold or fail its calls); the app coalesces over it. */
  wrapIntake?: (intake: IncidentIntake) => IncidentIntake;
  /** Slack's signing secret; default $SLACK_SIGNING_SECRET (none: the Slack route answers 503). */
  slackSigningSecret?: string;
  /** Tests: observe each Slack click's handling (slack-interactions.ts onClick). */
  slackOnClick?: SlackInteractionsOptions['onClick'];
}

export interface WebhookServer {
  /** http://host:port */
  url: string;
  metrics: WebhookMetrics;
  close(): Promise<void>;
}

export function webhookApp(o: WebhookServerOptions): ReturnType<typeof createWebhookApp> & { intake: IncidentIntake } {
  const namespace = o.client.options.namespace;
  const workflowUrl = (id: string): string => `${o.uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(id)}`;
  const intake = (o.wrapIntake ?? ((i) => i))(temporalIntake(o.client, o.taskQueue));
  const web = createWebhookApp({
    token: o.token,
    intake,
    routes: () => o.policy.alerts,
    nodes: () => new Set(o.cluster().hosts.map((h) => h.name)),
    workflowUrl,
    // Policy values are copied into the input so the incident's history records what it used.
    incidentInput: ({ procedure, mode, target, alert }) => ({
      ...buildInput(o.policy, { requestedBy: `alertmanager:${alert.alertname}/${alert.fingerprint}` }),
      alert,
      procedure,
      mode,
      target,
      maxRounds: o.policy.incident.maxRounds,
      resolveWaitMs: o.policy.incident.resolveWaitMs,
      uiUrl: o.uiUrl,
      ...o.inputExtras,
    }),
    ...(o.logger && { logger: o.logger }),
    ...(o.bodyLimitBytes !== undefined && { bodyLimitBytes: o.bodyLimitBytes }),
    slack: {
      signingSecret: o.slackSigningSecret ?? (process.env[SLACK_SIGNING_SECRET_ENV] || undefined),
      approvers: () => o.policy.approvers,
      gates: temporalGates(o.client),
      ...(o.logger && { logger: o.logger }),
      ...(o.slackOnClick && { onClick: o.slackOnClick }),
    },
  });
  return { ...web, intake };
}

export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const { app, metrics, intake } = webhookApp(o);
  const host = o.host ?? '127.0.0.1';
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: o.port ?? 0 }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  // Connect to Temporal now, in the background. The connection is lazy so that the webhook
  // listens while Temporal is away, but the first alerts must not pay for setting it up: in
  // bench/alerts the posts of a storm's first 0.3 s waited up to 340 ms on it (p99 283 ms; 49–71
  // ms once connected). The health check's call does it; its answer does not matter here (every
  // post asks again).
  void intake.healthy();
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections (Alertmanager's) would hold close() open.
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
