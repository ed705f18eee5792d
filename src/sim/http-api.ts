// The HTTP endpoints of one simulated node, as a pure request → response function. The real
// HTTP servers and the shell's `curl` both go through here, so they can never disagree.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SimCluster } from './cluster.js';
import type { MutationSource, SimNode } from './state-types.js';
import { METRICS_CONTENT_TYPE, nodeMetricsText } from './metrics.js';

export { SIM_PORTS } from './ports.js';

export interface ApiRequest {
  method: string;
  /** Path with query string, e.g. "/admin/sync/trigger?categories=games". */
  url: string;
  headers: Record<string, string | undefined>;
}

export interface ApiResponse {
  status: number;
  body: string;
  contentType: string;
}

export interface ApiContext {
  cluster: SimCluster;
  adminKey: string;
}

const json = (status: number, body: unknown): ApiResponse => ({
  status,
  body: JSON.stringify(body),
  contentType: 'application/json',
});

function keyMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  // Hash both sides so the compare is constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Answers a request that reached `node` on `port`. Whether the port accepts connections at all
 * (daemon down, host down, …) is the caller's business. `command` is what the mutation log
 * records for state-changing requests.
 */
export function handleApi(
  ctx: ApiContext,
  node: SimNode,
  port: number,
  req: ApiRequest,
  source: MutationSource,
  command?: string,
): ApiResponse {
  const c = ctx.cluster;
  const u = new URL(req.url, 'http://sim');
  const path = u.pathname.replace(/\/+$/, '') || '/';
  const method = req.method.toUpperCase();
  const log = (): void => c.record(node.name, source, command ?? `${method} ${req.url}`);

  const ports = c.ports;
  if (port === ports.p2p) {
    if (path === '/status' && method === 'GET') return json(200, { ...c.viewFrom(node), ...node.statusOverride });
    if (path === '/health' && method === 'GET') return json(200, { status: 'ok', node_id: node.name });
    if (path === '/admin/trigger-election') {
      if (method !== 'POST') return json(405, { error: 'method not allowed' });
      log();
      const r = c.triggerElection(node);
      return json(r.status, r.body);
    }
    if (path === '/metrics' && method === 'GET') return { status: 200, contentType: METRICS_CONTENT_TYPE, body: nodeMetricsText(c, node) };
    return json(404, { error: 'not found' });
  }
  if (port === ports.http_api) {
    if (path === '/health' && method === 'GET') return json(200, { status: 'ok', node_id: node.name });
    return json(404, { error: 'not found' });
  }
  if (port === ports.admin && node === c.coordinator) {
    if (!keyMatches(req.headers['x-admin-key'], ctx.adminKey)) return json(401, { error: 'invalid or missing X-Admin-Key' });
    if (path === '/admin/sync/status' && method === 'GET') return json(200, c.syncStatus());
    if (path === '/admin/sync/trigger') {
      if (method !== 'POST') return json(405, { error: 'method not allowed' });
      log();
      const cats = u.searchParams.getAll('categories').flatMap((s) => s.split(',')).filter((s) => s !== '');
      const unknown = c.triggerSync(cats);
      if (unknown.length > 0) return json(400, { error: `unknown categories: ${unknown.join(', ')}` });
      return json(202, { triggered: cats.length > 0 ? cats : Object.keys(c.syncStatus().categories), ...c.syncStatus() });
    }
    return json(404, { error: 'not found' });
  }
  return json(404, { error: 'not found' });
}
