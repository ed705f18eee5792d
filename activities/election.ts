// §4.3 POST /admin/trigger-election on one node's P2P port. The POST is not idempotent (each
// one starts an election), so it is never raced over primary and fallback: a harmless GET
// /status picks the address that answers, then the POST goes to that address once.
import type { HostSpec } from '../src/domain/cluster-spec.js';
import type { AddressSide } from '../src/domain/probes.js';
import { httpBase } from './transport/node-lookup.js';
import { P2pUnreachableError } from './errors.js';
import { failureReason, type HttpDispatcher, httpCall } from './transport/http.js';
import { fetchStatus } from './p2p.js';
import { withDeadline } from './transport/abort.js';

export async function triggerElection(
  host: HostSpec,
  opts: { dispatcher: HttpDispatcher; timeoutMs: number; signal: AbortSignal },
): Promise<{ accepted: boolean; httpStatus: number; via: AddressSide }> {
  const picked = await fetchStatus(host, { dispatcher: opts.dispatcher, totalTimeoutMs: opts.timeoutMs, signal: opts.signal });
  if (opts.signal.aborted) throw opts.signal.reason;
  if (!picked.ok) throw new P2pUnreachableError(host.name, picked.error);
  let status: number;
  try {
    const answer = await withDeadline([opts.signal], opts.timeoutMs, (signal) =>
      httpCall(`${httpBase(picked.address, host.ports.p2p)}/admin/trigger-election`, {
        method: 'POST',
        signal,
        dispatcher: opts.dispatcher,
      }),
    );
    status = answer.status;
  } catch (err) {
    if (opts.signal.aborted) throw opts.signal.reason;
    // No second address: the POST may have arrived; the workflow's wait for a leader tells.
    throw new P2pUnreachableError(host.name, failureReason(err));
  }
  return { accepted: status >= 200 && status <= 299, httpStatus: status, via: picked.via };
}
