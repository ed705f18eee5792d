// The simulator's own HTTP APIs on the test machine: the control API (127.0.0.1, port chosen by
// the OS) behind `runbook sim state|fault`, and the coordinator's tailscaled LocalAPI on a Unix
// socket. Each is a pure request → response function (tested without a socket), wrapped in a
// node:http server here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimCluster } from './cluster.js';
import { SimUsageError } from './errors.js';

export interface JsonAnswer {
  status: number;
  data: unknown;
}

/** GET /state, POST /fault {target, kind, clear?}, POST /status-override {node, fields | null}. */
export function handleControl(cluster: SimCluster, method: string, url: string, body: string): JsonAnswer {
  try {
    if (method === 'GET' && url === '/state') return { status: 200, data: cluster.state() };
    if (method === 'POST' && url === '/status-override') {
      const f = JSON.parse(body || '{}') as { node?: unknown; fields?: unknown };
      const fields = f.fields;
      const ok = fields === null || (typeof fields === 'object' && !Array.isArray(fields));
      if (typeof f.node !== 'string' || !ok) return { status: 400, data: { error: 'body needs {"node", "fields": {…} | null}' } };
      cluster.overrideStatus(f.node, fields as Record<string, unknown> | null);
      return { status: 200, data: { ok: true } };
    }
    if (method === 'POST' && url === '/fault') {
      const f = JSON.parse(body || '{}') as { target?: unknown; kind?: unknown; clear?: unknown };
      if (typeof f.target !== 'string' || typeof f.kind !== 'string') return { status: 400, data: { error: 'body needs {"target", "kind"}' } };
      cluster.fault(f.target, f.kind, { clear: f.clear === true });
      return { status: 200, data: { ok: true } };
    }
    return { status: 404, data: { error: 'not found' } };
  } catch (e) {
    return { status: e instanceof SimUsageError ? 400 : 500, data: { error: e instanceof Error ? e.message : String(e) } };
  }
}

/** GET /localapi/v0/status (what `tailscale status --json` reads); anything else is Go's 404. */
export function handleLocalApi(method: string, url: string, statusJson: () => unknown): { status: number; contentType: string; body: string } {
  const path = url.split('?')[0];
  if (method === 'GET' && path === '/localapi/v0/status') {
    return { status: 200, contentType: 'application/json', body: JSON.stringify(statusJson(), null, 2) };
  }
  return { status: 404, contentType: 'text/plain', body: '404 page not found\n' };
}

/** Largest control request body: a fault or an override is a few hundred bytes. */
export const CONTROL_BODY_LIMIT = 64 * 1024;

/**
 * Why a request may not reach the handler, or undefined. A web page the operator has open can
 * POST to 127.0.0.1 too, but only as a "simple" request (text/plain, form types) unless the
 * server agrees to CORS, which this one never does: requiring application/json keeps any page
 * from injecting faults. The body is capped so one request cannot fill the test's memory.
 */
export function controlRequestProblem(method: string, contentType: string | undefined, declaredLength: number | undefined): JsonAnswer | undefined {
  if (method !== 'GET' && method !== 'HEAD') {
    const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return { status: 415, data: { error: `content-type must be application/json, got "${contentType ?? ''}"` } };
  }
  if (declaredLength !== undefined && declaredLength > CONTROL_BODY_LIMIT) return { status: 413, data: { error: `body larger than ${CONTROL_BODY_LIMIT} bytes` } };
  return undefined;
}

export function createControlServer(cluster: SimCluster): http.Server {
  return http.createServer((req, res) => {
    const answer = (a: JsonAnswer, close = false): void => {
      res.writeHead(a.status, { 'content-type': 'application/json', ...(close && { connection: 'close' }) });
      res.end(JSON.stringify(a.data));
    };
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    const refused = controlRequestProblem(req.method ?? 'GET', req.headers['content-type'], declared);
    if (refused) {
      answer(refused, true);
      req.resume();
      return;
    }
    let body = '';
    let tooLarge = false;
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      if (tooLarge) return;
      body += d;
      if (Buffer.byteLength(body) > CONTROL_BODY_LIMIT) {
        tooLarge = true; // a chunked body that declared no length
        body = '';
        answer({ status: 413, data: { error: `body larger than ${CONTROL_BODY_LIMIT} bytes` } }, true);
      }
    });
    req.on('end', () => {
      if (!tooLarge) answer(handleControl(cluster, req.method ?? 'GET', req.url ?? '/', body));
    });
  });
}

export function createLocalApiServer(statusJson: () => unknown): http.Server {
  return http.createServer((req, res) => {
    const a = handleLocalApi(req.method ?? 'GET', req.url ?? '/', statusJson);
    res.writeHead(a.status, { 'content-type': a.contentType });
    res.end(a.body);
  });
}

/** Listens on a Unix socket path or a TCP host/port; resolves with the bound address. */
export function listenHttp(server: http.Server, where: string | { host: string; port: number }): Promise<string | AddressInfo | null> {
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(where, () => res(server.address()));
  });
}
