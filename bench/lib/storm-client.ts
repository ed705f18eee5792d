// Sends the storm's posts (bench/alerts) on schedule from several clients, each an undici Pool
// with keep-alive connections as Alertmanager keeps them. Open loop: a post goes out at its
// planned time whether or not earlier answers came back, so a slow webhook shows up as latency
// instead of silently slowing the sender down (no coordinated omission).
import { Pool } from 'undici';
import { alertmanagerNotification } from '../../src/alerting/notification.js';
import type { Occurrence, StormPlan } from './alert-storm.js';

export interface PostResult {
  occurrence: number;
  /** ms from the request's dispatch to the end of the answer's body. */
  latencyMs: number;
  /** How late the post left against its plan (timer lag of this process under load). */
  lateMs: number;
  status?: number;
  /** The accepted entry's action/workflowId/reason, or the error body. */
  action?: string;
  workflowId?: string;
  reason?: string;
  error?: string;
}

export const STORM_ALERTNAME = 'NodeEvicted';

export function notificationFor(o: Occurrence): string {
  return alertmanagerNotification({
    alertname: STORM_ALERTNAME,
    status: 'firing',
    receiver: 'runbook',
    site: 'bench',
    commonLabels: { alertname: STORM_ALERTNAME, node: o.node },
    alerts: [{ labels: { alertname: STORM_ALERTNAME, severity: 'critical', node: o.node }, startsAt: o.startsAt, fingerprint: o.fingerprint, summary: `${o.node} evicted (bench)` }],
  });
}

const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

export async function runStorm(url: string, token: string, plan: StormPlan, clients: number, connections: number): Promise<PostResult[]> {
  const pools = Array.from({ length: clients }, () => new Pool(url, { connections, keepAliveTimeout: 30_000 }));
  const bodies = plan.occurrences.map(notificationFor);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const inFlight: Array<Promise<PostResult>> = [];
  const t0 = performance.now() + 50;
  try {
    for (const p of plan.posts) {
      await sleepUntil(t0 + p.atMs);
      const sent = performance.now();
      const lateMs = sent - (t0 + p.atMs);
      inFlight.push(
        (async (): Promise<PostResult> => {
          try {
            const res = await pools[p.client]!.request({ path: '/alerts/alertmanager', method: 'POST', headers, body: bodies[p.occurrence]!, headersTimeout: 30_000, bodyTimeout: 30_000 });
            const text = await res.body.text();
            const latencyMs = performance.now() - sent;
            const base = { occurrence: p.occurrence, latencyMs, lateMs, status: res.statusCode };
            try {
              const parsed = JSON.parse(text) as { accepted?: Array<{ action: string; workflowId?: string; reason?: string }>; error?: string };
              const a = parsed.accepted?.[0];
              if (a) return { ...base, action: a.action, ...(a.workflowId !== undefined && { workflowId: a.workflowId }), ...(a.reason !== undefined && { reason: a.reason }) };
              return { ...base, error: parsed.error ?? text.slice(0, 200) };
            } catch {
              return { ...base, error: `not JSON: ${text.slice(0, 200)}` };
            }
          } catch (err) {
            // Dropped: no answer at all (connection reset, timeout).
            return { occurrence: p.occurrence, latencyMs: performance.now() - sent, lateMs, error: `no answer: ${(err as Error).message}` };
          }
        })(),
      );
    }
    return await Promise.all(inFlight);
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
}
