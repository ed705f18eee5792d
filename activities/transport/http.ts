// HTTP over one shared undici Agent: bounded connections per origin, connect/headers/body timeouts
// from the probe policy, plus a hard AbortSignal on every request. Bodies are read with a cap.
// undici itself loads on the first request (lazy-undici.ts).
import type { ProbePolicy } from '../../src/domain/policy.js';
import { type HttpDispatcher, LazyAgent, loadUndici, resolveDispatcher } from './lazy-undici.js';

export type { HttpDispatcher };

/** Bodies larger than this are refused; /status and the admin API answer a few hundred bytes. */
export const MAX_BODY_BYTES = 256 * 1024;

export function createAgent(probe: ProbePolicy): LazyAgent {
  return new LazyAgent({
    connect: { timeout: probe.connectTimeoutMs },
    headersTimeout: probe.totalTimeoutMs,
    bodyTimeout: probe.totalTimeoutMs,
    // One connection per origin: each origin gets a request or two at a time, and with one
    // the agent keeps a bare Client per origin instead of a Pool (a third of the memory at 1,000 nodes).
    connections: 1,
    keepAliveTimeout: 2_000,
  });
}

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface HttpCall {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  signal: AbortSignal;
  dispatcher: HttpDispatcher;
  /** Default MAX_BODY_BYTES. */
  maxBodyBytes?: number;
}

/** `tailscale status --json` of a 1,000-peer tailnet is about 1 MiB. */
export const TAILSCALE_STATUS_MAX_BYTES = 64 * 1024 * 1024;

/** One request; resolves for any HTTP answer, rejects on network failure, timeout or abort. */
export async function httpCall(url: string, call: HttpCall): Promise<HttpAnswer> {
  const { request } = await loadUndici();
  const res = await request(url, {
    method: call.method ?? 'GET',
    headers: call.headers,
    signal: call.signal,
    dispatcher: await resolveDispatcher(call.dispatcher),
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > (call.maxBodyBytes ?? MAX_BODY_BYTES)) {
      res.body.destroy();
      throw Object.assign(new Error('response body too large'), { code: 'EBODYTOOLARGE' });
    }
    chunks.push(buf);
  }
  return { status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') };
}

const PASS_THROUGH_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EADDRNOTAVAIL',
  'EBODYTOOLARGE',
  'ENOENT',
  'ENOTSSH',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * A short, secret-free reason for a failed network call: "timeout", "ECONNREFUSED", "ECONNRESET", …
 * Walks `cause` because undici wraps socket errors.
 */
export function failureReason(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const { name, code } = e as { name?: string; code?: string };
    if (name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) return 'timeout';
    if (code !== undefined && PASS_THROUGH_CODES.has(code)) return code;
    if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'ECONNRESET';
    if (name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') {
      const next = (e as { cause?: unknown }).cause;
      if (next !== undefined) {
        e = next;
        continue;
      }
      return 'aborted';
    }
    e = (e as { cause?: unknown }).cause;
  }
  const { code } = (err ?? {}) as { code?: string };
  return typeof code === 'string' ? code : 'error';
}
