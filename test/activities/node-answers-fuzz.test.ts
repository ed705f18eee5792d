// Hostile node answers, generated (docs/explanation/safety.md): what a broken or hostile node,
// tailscaled or coordinator can send us — random JSON, wrong types, huge strings, markdown and
// HTML, cut-off documents — parsed by the same functions the activities use. Each must become a
// finding or a clear, short failure: never an unexpected exception, never a result that grows with
// the input (results land in workflow history, whose payloads are capped at 2 MiB).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdminApiError, TailscaleUnavailableError } from '../../activities/errors.js';
import { parseStatusAnswer } from '../../activities/p2p.js';
import { toSyncStatus } from '../../activities/admin.js';
import { toTailscaleView } from '../../activities/tailscale.js';
import { classify } from '../../src/domain/classify.js';
import { MAX_NODE_TEXT } from '../../src/domain/node-text.js';
import type { NodeProbe } from '../../src/domain/probes.js';
import { checkProperty } from '../helpers/fuzz.js';
import { cluster, host } from './helpers.js';

/** A capped string is at most MAX_NODE_TEXT characters plus the "…[N more chars]" marker. */
const CAPPED = MAX_NODE_TEXT + 24;
const HUGE = 'h'.repeat(300_000);

const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    HUGE,
    '<script>alert(1)</script>',
    '**bold** [link](javascript:alert(1)) `code` | table |',
    '\n- injected list item\n# heading',
    '$(reboot)',
    '\u202e\u0000\u2028',
  ),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 1.5, 1e308, Number.MAX_SAFE_INTEGER, null, true, [], {}),
);

/** A plausible document with some fields replaced or removed, or something else entirely. */
function mutatedDocument(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  const mutated = fc
    .record({
      replace: fc.dictionary(fc.constantFrom(...keys), hostileValue, { maxKeys: 3 }),
      drop: fc.subarray(keys, { maxLength: 2 }),
      extra: fc.dictionary(fc.string({ maxLength: 10 }), hostileValue, { maxKeys: 2 }),
    })
    .map(({ replace, drop, extra }) => {
      const doc: Record<string, unknown> = { ...valid, ...replace };
      for (const k of drop) delete doc[k];
      for (const [k, v] of Object.entries(extra)) Object.defineProperty(doc, k, { value: v, enumerable: true });
      return doc;
    });
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: hostileValue });
}

/** The body as a node sends it: the JSON, cut off, or raw text. */
const body = (doc: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: doc.map((d) => JSON.stringify(d) ?? 'undefined') },
    { weight: 1, arbitrary: fc.tuple(doc, fc.nat()).map(([d, n]) => (JSON.stringify(d) ?? '').slice(0, n % 200)) },
    { weight: 1, arbitrary: hostileString },
  );

/** Every string in a result is short: nothing a node sent is kept at length. */
function expectBoundedStrings(value: unknown, where = 'result'): void {
  if (typeof value === 'string') expect(value.length, `${where} is ${value.length} characters`).toBeLessThanOrEqual(CAPPED);
  else if (Array.isArray(value)) value.forEach((v, i) => expectBoundedStrings(v, `${where}[${i}]`));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      expectBoundedStrings(k, `${where} key`);
      expectBoundedStrings(v, `${where}.${k}`);
    }
  }
}

const statusDoc = { node_id: 'n1', status: 'running', leader_id: 'n2', alive_peers: 4, total_peers: 5, cluster_health: 'healthy', role: 'voter' };
const syncDoc = {
  stalled: false,
  in_progress: true,
  progress: 0.5,
  categories: { games: { progress: 0.4, last_sync_at: '2026-11-29T03:00:00Z', pending: 3 } },
};

describe('generated hostile node answers', { timeout: 900_000 }, () => {
  it('§3.1 /status: a parsed status with capped strings, or a short error', async () => {
    const answers = fc.record({
      status: fc.oneof({ weight: 4, arbitrary: fc.constant(200) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 599 }) }),
      text: body(mutatedDocument(statusDoc)),
    });
    const tally = { parsed: 0, refused: 0 };
    const { runs } = await checkProperty('node-status', answers, (answer) => {
      const r = parseStatusAnswer(answer);
      if (r.ok) {
        tally.parsed++;
        expectBoundedStrings(r.status);
        expect(JSON.stringify(r.status).length).toBeLessThanOrEqual(8 * CAPPED);
      } else {
        tally.refused++;
        expect(r.error.length).toBeGreaterThan(0);
        expect(r.error.length).toBeLessThanOrEqual(200);
      }
    });
    console.log(`node-status: ${runs} generated answers: ${tally.parsed} parsed, ${tally.refused} refused`);
    expect(tally.parsed).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });

  it('§4.4 admin sync status: a bounded SyncStatus, or an AdminApiError', async () => {
    const categories = fc.dictionary(
      fc.oneof(fc.string({ maxLength: 12 }), fc.constant(HUGE)),
      mutatedDocument(syncDoc.categories.games),
      { maxKeys: 60 },
    );
    const docs = fc.oneof(
      mutatedDocument(syncDoc),
      categories.map((c) => ({ ...syncDoc, categories: c })),
    );
    const tally = { parsed: 0, refused: 0 };
    const { runs } = await checkProperty('admin-sync-status', docs, (doc) => {
      try {
        const s = toSyncStatus(doc, 'ssh://coordinator/api/sync/status');
        tally.parsed++;
        expectBoundedStrings(s);
        expect(Object.keys(s.categories).length).toBeLessThanOrEqual(32);
        for (const c of Object.values(s.categories)) expect(c.progress >= 0 && c.progress <= 1).toBe(true);
        expect(s.progress >= 0 && s.progress <= 1).toBe(true);
      } catch (err) {
        if (!(err instanceof AdminApiError)) throw err;
        tally.refused++;
        expect(err.message.length).toBeLessThanOrEqual(300);
      }
    });
    console.log(`admin-sync-status: ${runs} generated documents: ${tally.parsed} parsed, ${tally.refused} refused`);
    expect(tally.parsed).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });

  it('§3.3 tailscale status --json: a bounded view of configured nodes, or TailscaleUnavailable', async () => {
    const spec = cluster(Array.from({ length: 6 }, (_, i) => host(`gpu-${i}`, `10.0.0.${i + 1}`, {}, { tailscale_ip: `100.64.0.${i + 1}` })));
    const ipOf = (i: number) => `100.64.0.${i + 1}`;
    const peer = (i: number) => ({
      HostName: spec.hosts[i % spec.hosts.length]!.name,
      DNSName: `${spec.hosts[i % spec.hosts.length]!.name}.tail.ts.net.`,
      TailscaleIPs: [ipOf(i)],
      Online: true,
    });
    const hostilePeer = fc.oneof(
      mutatedDocument(peer(0)),
      fc.record({
        HostName: hostileString,
        DNSName: hostileString,
        // A device may list any number of addresses: the view keeps only a few.
        TailscaleIPs: fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), hostileString), { maxLength: 40 }),
        Online: fc.boolean(),
      }),
    );
    const docs = fc.oneof(
      { weight: 4, arbitrary: fc.record({
        BackendState: fc.oneof(fc.constant('Running'), hostileString),
        MagicDNSSuffix: fc.oneof(fc.constant('tail.ts.net'), hostileString),
        Self: fc.oneof(fc.constant(peer(0)), hostilePeer),
        Peer: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.nat(5).map(peer), hostilePeer), { maxKeys: 30 }),
      }) },
      { weight: 1, arbitrary: hostileValue },
    );
    const tally = { parsed: 0, refused: 0 };
    const { runs } = await checkProperty('tailscale-status', docs, (doc) => {
      try {
        const view = toTailscaleView(doc, spec);
        tally.parsed++;
        expectBoundedStrings(view);
        const names = new Set(spec.hosts.map((h) => h.name));
        for (const p of view.peers) {
          expect(names.has(p.name)).toBe(true);
          expect(p.ips.length).toBeLessThanOrEqual(8);
        }
        expect(JSON.stringify(view).length).toBeLessThanOrEqual(spec.hosts.length * 2_000);
      } catch (err) {
        if (!(err instanceof TailscaleUnavailableError)) throw err;
        tally.refused++;
      }
    });
    console.log(`tailscale-status: ${runs} generated documents: ${tally.parsed} parsed, ${tally.refused} refused`);
    expect(tally.parsed).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });

  it('1,000 nodes answering hostile /status bodies: probes and classification stay under the 2 MiB payload limit', async () => {
    // The worst a node can do within the body cap: every string field at 200 KB of markup.
    const worst = (i: number): string =>
      JSON.stringify({
        node_id: `<b>${'n'.repeat(200_000)}</b>${i}`,
        status: '*'.repeat(200_000),
        leader_id: `[x](javascript:${i})`.repeat(10_000),
        alive_peers: 999,
        total_peers: 1000,
        cluster_health: '#'.repeat(200_000),
        role: '|'.repeat(200_000),
      });
    const probes: NodeProbe[] = Array.from({ length: 1000 }, (_, i) => {
      const parsed = parseStatusAnswer({ status: 200, text: worst(i) });
      if (!parsed.ok) throw new Error(parsed.error);
      const ok = { ok: true, ms: 1, via: 'primary' as const };
      return { name: `gpu-${i}`, via: 'primary', checks: { p2p: ok, http: ok, ssh: ok }, status: parsed.status };
    });
    const c = classify({
      nodes: probes.map((p, i) => ({ name: p.name, host: `10.1.${i >> 8}.${i & 255}`, voter: i < 5, provider: 'unknown' })),
      probes,
      escalation: { unreachableFraction: 0.5, leaderlessMs: 300_000, syncStallMs: 600_000 },
    });
    // Diagnose returns each 250-node batch from an activity and the classification as its result.
    const batch = JSON.stringify(probes.slice(0, 250)).length;
    const result = JSON.stringify({ probes, ...c }).length;
    console.log(`1,000 hostile answers: a 250-node batch is ${batch} bytes, probes + classification ${result} bytes`);
    expect(result).toBeLessThan(2 * 1024 * 1024);
  });
});
