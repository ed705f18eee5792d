// §4.3 POST /admin/trigger-election on one node's P2P port.
import type { Dispatcher } from 'undici';
import type { HostSpec } from '../src/domain/cluster.js';
import { candidates, httpBase } from './cluster.js';
import { P2pUnreachableError } from './errors.js';
import { httpCall } from './http.js';
import { raceCandidates } from './race.js';
import { withDeadline } from './abort.js';

export async function triggerElection(
  host: HostSpec,
  opts: { dispatcher: Dispatcher; timeoutMs: number; signal: AbortSignal },
): Promise<{ accepted: boolean; httpStatus: number }> {
  const out = await withDeadline([opts.signal], opts.timeoutMs, (signal) =>
    raceCandidates(
      candidates(host),
      (c, s) =>
        httpCall(`${httpBase(c.address, host.ports.p2p)}/admin/trigger-election`, {
          method: 'POST',
          signal: s,
          dispatcher: opts.dispatcher,
        }),
      { signal },
    ),
  );
  if (opts.signal.aborted) throw opts.signal.reason;
  if (!out.ok) throw new P2pUnreachableError(host.name, out.error);
  const status = out.value.status;
  return { accepted: status >= 200 && status <= 299, httpStatus: status };
}
