// The alert webhook as a pure HTTP handler (DESIGN §8; STYLE §16): hono routes, its bearerAuth
// (with a constant-time compare) and bodyLimit; the listening socket is wired in the entry point.
//   POST /alerts/alertmanager  202 {accepted: [...]} | 400 | 401 | 413 | 503
//   GET  /healthz              200 when Temporal answered (cached a few seconds), else 503
//   GET  /metrics              Prometheus text
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '@temporalio/common';
import type { AlertRoute } from '../domain/alert-routing.js';
import { type AlertRef, CLUSTER_TARGET } from '../domain/incident.js';
import { capNodeText } from '../domain/node-text.js';
import { WebhookMetrics } from './metrics.js';
import type { AlertmanagerAlert } from './payload.js';
import { parsePayload } from './payload.js';
import { coalesceFires } from './coalesce-fires.js';
import { type RoutedAlert, routeAlert } from './route-alert.js';
import { cachedHealth, type HealthCacheOptions } from './health-cache.js';
import { type IncidentIntake, IntakeUnavailableError } from './temporal-intake.js';
import { slackInteractions, type SlackInteractionsOptions } from './slack-interactions.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Temporal calls in flight for one notification: a big group must not flood the frontend. */
const CONCURRENCY = 16;

export interface AcceptedAlert {
  alert: string;
  fingerprint: string;
  workflowId?: string;
  url?: string;
  action: 'started' | 'joined' | 'signalled' | 'ignored';
  reason?: string;
}

export interface WebhookOptions {
  /** Bearer token; `undefined` only with the explicit insecure dev flag (no auth at all). */
  token: string | undefined;
  intake: IncidentIntake;
  routes: () => Record<string, AlertRoute>;
  /** Configured node names, read per request so a hosts-file edit is followed. */
  nodes: () => ReadonlySet<string>;
  /** The incident input for a routed alert: policy values, Web UI base, test knobs. */
  incidentInput: (routed: { procedure: string; mode: string; target: string; alert: AlertRef }) => Record<string, unknown>;
  workflowUrl: (workflowId: string) => string;
  metrics?: WebhookMetrics;
  logger?: Logger;
  bodyLimitBytes?: number;
  /** POST /slack/interactions: approval buttons (DESIGN §12). */
  slack?: SlackInteractionsOptions;
  /** How long one Temporal health check answers /healthz (tests set the clock). */
  health?: HealthCacheOptions;
}

const json401 = (message: string) => (): Response =>
  new Response(JSON.stringify({ error: message }), { status: 401, headers: { 'content-type': 'application/json' } });

/** sha256 first, so the compare is constant-time whatever the lengths (crypto.timingSafeEqual). */
function tokenMatches(expected: string): (given: string) => boolean {
  const want = createHash('sha256').update(expected).digest();
  return (given) => timingSafeEqual(want, createHash('sha256').update(given).digest());
}

export function createWebhookApp(o: WebhookOptions): { app: Hono; metrics: WebhookMetrics } {
  const metrics = o.metrics ?? new WebhookMetrics();
  // Identical posts of one occurrence, in flight or recorded within a minute, share one
  // signal-with-start (coalesce-fires.ts).
  const fires = coalesceFires(o.intake, { onCoalesced: () => metrics.coalesced() });
  const app = new Hono();

  const healthy = cachedHealth(() => o.intake.healthy(), o.health);
  app.get('/healthz', async (c) =>
    (await healthy()) ? c.json({ status: 'ok' }) : c.json({ status: 'unavailable', error: 'Temporal does not answer' }, 503),
  );
  app.get('/metrics', (c) => c.text(metrics.text(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));

  // Slack signs its own requests (v0): no bearer token on this route.
  if (o.slack) app.route('/slack', slackInteractions(o.slack));
  app.use('/alerts/*', async (c, next) => {
    const started = performance.now();
    await next();
    if (c.res.status >= 400) {
      const reason = c.res.status === 401 ? 'unauthorized' : c.res.status === 413 ? 'too_large' : c.res.status === 503 ? 'temporal_unavailable' : undefined;
      if (reason) metrics.reject(reason);
    }
    metrics.observeSeconds((performance.now() - started) / 1000);
  });
  if (o.token !== undefined) {
    const matches = tokenMatches(o.token);
    app.use(
      '/alerts/*',
      bearerAuth({
        verifyToken: (given) => matches(given),
        // §8: every auth problem is a 401 (hono answers a malformed header 400 by default).
        noAuthenticationHeader: { message: json401('missing "Authorization: Bearer <token>" header') },
        invalidAuthenticationHeader: { message: json401('malformed Authorization header: expected "Bearer <token>"') },
        invalidToken: { message: json401('wrong bearer token') },
      }),
    );
  }
  const limit = o.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  // The rest of the body is not read, so this connection cannot carry another request.
  const tooLarge = (c: Context): Response => c.json({ error: `body larger than ${limit} bytes` }, 413, { connection: 'close' });
  const streamedBodyLimit = bodyLimit({ maxSize: limit, onError: tooLarge });
  app.use('/alerts/*', (c, next) => {
    // A declared length (Node's HTTP parser holds the body to it) is checked without touching
    // the body, so @hono/node-server later reads it straight off the socket. hono's bodyLimit
    // turns every request into a web Request with a body stream first: ~0.5 of the ~1.2 ms of
    // CPU the HTTP layer spent per storm post (bench/README.md). Chunked bodies still go
    // through it and are counted as they stream.
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) return Number(length) > limit ? Promise.resolve(tooLarge(c)) : next();
    return streamedBodyLimit(c, next);
  });

  app.post('/alerts/alertmanager', async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch (err) {
      metrics.reject('bad_json');
      // V8's message quotes the start of the body: bounded, like every answer to a sender.
      return c.json({ error: `body is not valid JSON: ${capNodeText((err as Error).message, 200)}` }, 400);
    }
    const parsed = parsePayload(body);
    if (!parsed.ok) {
      metrics.reject('bad_payload');
      return c.json({ error: parsed.error }, 400);
    }
    const alerts = parsed.payload.alerts;
    const routes = o.routes();
    const nodes = o.nodes();
    for (const a of alerts) metrics.alertReceived(a.status);
    // Every alert is routed (pure: names, nodes, IDs) before the first Temporal call, so a post
    // is either refused whole or handled whole, never half started.
    const routed = alerts.map((a) => ({ a, routed: routeAlert(a, routes, nodes) }));
    try {
      const accepted = await mapLimit(routed, CONCURRENCY, ({ a, routed: r }) => handleAlert(a, r));
      for (const a of accepted) metrics.incident(a.action);
      // A post that only joined running incidents (a storm's repeats) is counted in /metrics and
      // in the incident's `repeats`; a line each would be hundreds a second saying nothing new.
      const level = accepted.every((a) => a.action === 'joined') ? 'debug' : 'info';
      o.logger?.[level]('alerts accepted', {
        receiver: capNodeText(parsed.payload.receiver),
        alerts: accepted.map((a) => `${capNodeText(a.alert, 64)}:${a.action}${a.workflowId ? `:${a.workflowId}` : ''}`).join(' '),
      });
      return c.json({ accepted }, 202);
    } catch (err) {
      if (err instanceof IntakeUnavailableError) {
        o.logger?.warn('alerts not recorded; answering 503 so Alertmanager retries', { error: err.message });
        return c.json({ error: err.message }, 503);
      }
      throw err;
    }
  });

  async function handleAlert(a: AlertmanagerAlert, routed: RoutedAlert): Promise<AcceptedAlert> {
    const head = { alert: capNodeText(routed.alertname, 128), fingerprint: a.fingerprint };
    if (routed.kind === 'ignored') return { ...head, action: 'ignored', reason: routed.reason };
    const ref: AlertRef = {
      alertname: routed.labels['alertname'] ?? '',
      fingerprint: a.fingerprint,
      startsAt: a.startsAt,
      status: a.status,
      labels: routed.labels,
      ...(a.generatorURL !== undefined && { generatorURL: capNodeText(a.generatorURL, 512) }),
      ...(routed.node !== undefined && { node: routed.node }),
    };
    // §8: `resolved` is a signal to a running incident and never starts anything.
    const { workflowId = routed.workflowId, ...outcome } =
      a.status === 'resolved'
        ? await fires.resolve(routed.workflowId, ref, routed.clusterIncident)
        : await fires.fire({
            workflowId: routed.workflowId,
            alert: ref,
            input: o.incidentInput({ procedure: routed.procedure, mode: routed.mode, target: routed.target, alert: ref }),
            summary: `${ref.alertname} → ${routed.procedure}${routed.mode === 'escalate-only' ? ' (escalate only)' : ''} on ${routed.target}, startsAt ${a.startsAt}`,
            ...(routed.target !== CLUSTER_TARGET && { node: routed.target }),
            ...(routed.clusterIncident !== undefined && { clusterIncident: routed.clusterIncident }),
          });
    // The incident that recorded it: its own, or the open cluster incident it joined.
    return { ...head, workflowId, url: o.workflowUrl(workflowId), ...outcome };
  }

  // An unexpected error is a 500 with a generic message: no stack, no request echo.
  app.onError((err, c) => {
    if ('getResponse' in err && typeof err.getResponse === 'function') return err.getResponse() as Response;
    o.logger?.error('webhook error', { error: (err as Error).message });
    return c.json({ error: 'internal error' }, 500);
  });
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  return { app, metrics };
}

/** Runs fn over items with at most `limit` at once; keeps order; the first error wins after all settle. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
  return results;
}
