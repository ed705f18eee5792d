// One POST to one notification target, retried with backoff (DESIGN §9: a failing target is
// retried and never holds up the others). Errors say why without the URL, which may be a secret.
import { deadline } from '../transport/abort.js';
import { heartbeat } from '../transport/context.js';
import { failureReason } from '../transport/http.js';
import { type HttpDispatcher, LazyAgent, loadUndici, resolveDispatcher } from '../transport/lazy-undici.js';

export interface SendPolicy {
  attempts: number;
  /** First pause; doubled after each failed attempt, capped at maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

export const SEND_POLICY: SendPolicy = { attempts: 4, backoffMs: 1000, maxBackoffMs: 8000, timeoutMs: 10_000 };

export interface SendOutcome {
  ok: boolean;
  attempts: number;
  httpStatus?: number;
  error?: string;
}

/** 408, 429 and 5xx are worth another try; any other 4xx means the body was refused. */
const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

export function createNotifyAgent(): LazyAgent {
  return new LazyAgent({ connect: { timeout: SEND_POLICY.timeoutMs }, keepAliveTimeout: 1000 });
}

export async function postJson(
  url: string,
  body: unknown,
  opts: { dispatcher: HttpDispatcher; signal: AbortSignal; policy?: SendPolicy; label: string; headers?: (body: string) => Record<string, string> },
): Promise<SendOutcome> {
  const policy = opts.policy ?? SEND_POLICY;
  const text = JSON.stringify(body);
  // Computed over the exact bytes sent (a body signature must match them).
  const extraHeaders = opts.headers?.(text) ?? {};
  let last: SendOutcome = { ok: false, attempts: 0 };
  const { request } = await loadUndici();
  const dispatcher = await resolveDispatcher(opts.dispatcher);
  for (let attempt = 1; attempt <= policy.attempts && !opts.signal.aborted; attempt++) {
    heartbeat({ target: opts.label, attempt });
    const d = deadline([opts.signal], policy.timeoutMs);
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { ...extraHeaders, 'content-type': 'application/json' },
        body: text,
        signal: d.signal,
        dispatcher,
      });
      await res.body.dump({ limit: 64 * 1024 });
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, attempts: attempt, httpStatus: res.statusCode };
      last = { ok: false, attempts: attempt, httpStatus: res.statusCode, error: `HTTP ${res.statusCode}` };
      if (!retryable(res.statusCode)) return last;
    } catch (err) {
      last = { ok: false, attempts: attempt, error: failureReason(err) };
    } finally {
      d.done();
    }
    if (attempt < policy.attempts) await sleep(Math.min(policy.backoffMs * 2 ** (attempt - 1), policy.maxBackoffMs), opts.signal);
  }
  return last;
}
