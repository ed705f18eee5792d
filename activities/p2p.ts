// The P2P daemon's HTTP API (§3.1 GET /status, §4.3 POST /admin/trigger-election).
import { z } from 'zod';
import type { HostSpec } from '../src/domain/cluster-spec.js';
import { capNodeText, capNullable } from '../src/domain/node-text.js';
import type { AddressSide, P2pStatus } from '../src/domain/probes.js';
import { candidates, httpBase } from './transport/node-lookup.js';
import { type HttpAnswer, type HttpDispatcher, httpCall } from './transport/http.js';
import { raceCandidates, type RaceOutcome } from './transport/race.js';
import { withDeadline } from './transport/abort.js';

const count = z.number().int().nonnegative();

/** §3.1 fields; unknown fields are dropped so history only holds what classification reads. */
export const p2pStatusSchema = z.object({
  node_id: z.string().optional(),
  status: z.string(),
  // The runbook prints `d.get("leader_id", "NONE")`: an absent leader is "no leader".
  leader_id: z.string().nullable().default(null),
  alive_peers: count,
  total_peers: count,
  cluster_health: z.string().default('unknown'),
  role: z.string().optional(),
});

export type StatusParse = { ok: true; status: P2pStatus } | { ok: false; error: string };

/** Interprets an HTTP answer from /status: 2xx with a valid body, or a short error. */
export function parseStatusAnswer(answer: HttpAnswer): StatusParse {
  if (answer.status < 200 || answer.status > 299) return { ok: false, error: `HTTP ${answer.status}` };
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    return { ok: false, error: 'invalid body: not JSON' };
  }
  const parsed = p2pStatusSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `invalid body: ${issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'schema'}` };
  }
  const s = parsed.data;
  // Node-supplied strings are capped here, before they reach any result or history (an
  // answer may carry up to MAX_BODY_BYTES in one field, from every node of a batch).
  return {
    ok: true,
    status: {
      ...(s.node_id !== undefined && { node_id: capNodeText(s.node_id) }),
      status: capNodeText(s.status),
      leader_id: capNullable(s.leader_id),
      alive_peers: s.alive_peers,
      total_peers: s.total_peers,
      cluster_health: capNodeText(s.cluster_health),
      ...(s.role !== undefined && { role: capNodeText(s.role) }),
    },
  };
}

export interface P2pFetch {
  dispatcher: HttpDispatcher;
  totalTimeoutMs: number;
  signal: AbortSignal;
}

/** GET /status over primary and fallback (happy eyeballs) within one total timeout. */
export async function fetchStatus(host: HostSpec, f: P2pFetch): Promise<RaceOutcome<HttpAnswer>> {
  return withDeadline([f.signal], f.totalTimeoutMs, (signal) =>
    raceCandidates(
      candidates(host),
      (c, s) => httpCall(`${httpBase(c.address, host.ports.p2p)}/status`, { signal: s, dispatcher: f.dispatcher }),
      { signal },
    ),
  );
}

export interface StatusResult {
  ok: boolean;
  status?: P2pStatus;
  via?: AddressSide;
  error?: string;
}

export async function statusOf(host: HostSpec, f: P2pFetch): Promise<StatusResult> {
  const out = await fetchStatus(host, f);
  if (!out.ok) return { ok: false, error: out.error };
  const parsed = parseStatusAnswer(out.value);
  return parsed.ok ? { ok: true, status: parsed.status, via: out.via } : { ok: false, via: out.via, error: parsed.error };
}
