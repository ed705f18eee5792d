// diagnose (runbook §3.1–§3.5, §6.1): every check on every node in parallel, batched so the
// history does not grow with the cluster; drills down only into sick nodes.
import { patched } from '@temporalio/workflow';
import { classify } from '../src/domain/classify.js';
import { PEER_CHECK_ROUNDS, type PeerCheck, planPeerChecks } from '../src/domain/corroboration.js';
import type { ProcedureInput } from '../src/domain/procedure-input.js';
import type { NodeProbe, RoutingCheck, SyncStatus, TailscaleView } from '../src/domain/probes.js';
import type { DiagnoseReport } from '../src/domain/report.js';
import { batch, quick } from './runtime/activities.js';
import { errorText } from './runtime/error-text.js';
import type { ProcedureRun } from './runtime/procedure.js';
import { runReport } from './runtime/run-procedure.js';
import { policyDefaults } from './runtime/policy-defaults.js';

export interface DiagnoseInput extends ProcedureInput {
  /** Nodes per probe activity (config/runbook.yaml probe.batch_size). */
  batchSize?: number;
  /** Longest drill-down (§3.5 over SSH) per run: sick nodes beyond it are listed, not visited. */
  maxDrilldown?: number;
  unreachableFraction?: number;
  leaderlessMs?: number;
  syncStallMs?: number;
  /** Set by a caller that has watched the cluster (incident, health monitor). */
  leaderlessForMs?: number;
}

// A node only the worker cannot reach still answers SSH: its §3.5 view is the evidence a human wants.
const DRILL_KINDS = new Set(['p2p-down', 'partition', 'tailscale-down', 'unreachable-from-worker']);
const DARK_KINDS = new Set(['host-down', 'ip-changed']);

/** The steps progress shows from the start. */
const PLAN = ['load cluster', 'probe nodes', 'tailscale status', 'sync status', 'corroborate', 'classify', 'drill down', 'routing', 'decide'] as const;
/** patched() id: a failed diagnose marks its outcome `failed` like every other procedure (runReport). */
const FAILED_OUTCOME_PATCH = 'diagnose-failed-outcome';
/**
 * patched() id: §3.4 routing checks run inside the probe batches, during the silent nodes'
 * timeout wait; the routingChecks activity only covers dark nodes the batches did not route.
 */
const ROUTING_IN_SWEEP_PATCH = 'diagnose-routing-in-sweep';
/**
 * patched() id: nodes the worker cannot reach are checked from healthy peers, and findings are
 * corroborated with the cluster's view (DESIGN §11). Older runs classified the worker's view alone.
 */
const CORROBORATED_PATCH = 'diagnose-corroborated';

export async function diagnose(input: DiagnoseInput = {}): Promise<DiagnoseReport> {
  return runReport('diagnose', input, PLAN, (run) => runChecks(run, input), FAILED_OUTCOME_PATCH);
}

async function runChecks(run: ProcedureRun<(typeof PLAN)[number]>, input: DiagnoseInput): Promise<DiagnoseReport> {
  const defaults = policyDefaults();
  const info = await run.step('load cluster', () => quick.clusterInfo({}));
  run.note('load cluster', `${info.nodes.length} nodes, ${info.voters.length} voters`);

  const size = Math.max(1, input.batchSize ?? defaults.batchSize);
  const names = info.nodes.map((n) => n.name);
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += size) batches.push(names.slice(i, i + size));
  const cap = input.maxDrilldown ?? defaults.maxDrilldown;
  // Each batch may route its share of the cap; dark nodes are spread over the batches.
  const routeSilent = patched(ROUTING_IN_SWEEP_PATCH) ? Math.ceil(cap / batches.length) : 0;

  // §3.2, §3.3 and §4.4's status run side by side; each failure of a side check is a finding
  // of its own kind or a note, never a failed diagnose.
  const [probes, tailscale, sync] = await Promise.all([
    run.step('probe nodes', async () => (await Promise.all(batches.map((nodes) => batch.probeNodes({ nodes, ...(routeSilent > 0 && { routeSilent }) })))).flat(), {
      detail: `${names.length} nodes in ${batches.length} batch(es) of ≤${size}`,
    }),
    run
      .step('tailscale status', () => quick.tailscaleStatus({}))
      .catch((err: unknown): TailscaleView | undefined => {
        run.note('tailscale status', `unavailable: ${errorText(err)}`);
        return undefined;
      }),
    run
      .step('sync status', () => quick.syncStatus({}))
      .catch((err: unknown): SyncStatus | undefined => {
        run.note('sync status', `unavailable: ${errorText(err)}`);
        return undefined;
      }),
  ]);

  const peerChecks = patched(CORROBORATED_PATCH) ? await corroborate(run, probes) : undefined;

  // Routing results ride on the probes only as far as the routing step below.
  const routedInSweep = new Map<string, RoutingCheck>();
  for (const p of probes) if (p.routing) routedInSweep.set(p.name, p.routing);
  const c = await run.step('classify', async () =>
    classify({
      nodes: info.nodes,
      probes: routedInSweep.size > 0 ? probes.map(withoutRouting) : probes,
      ...(tailscale && { tailscale }),
      ...(sync && { sync }),
      escalation: {
        unreachableFraction: input.unreachableFraction ?? defaults.unreachableFraction,
        leaderlessMs: input.leaderlessMs ?? defaults.leaderlessMs,
        // The admin API itself says whether sync is stalled; repair-sync applies the stall window.
        syncStallMs: input.syncStallMs ?? 0,
      },
      ...(input.leaderlessForMs !== undefined && { leaderlessForMs: input.leaderlessForMs }),
      ...(peerChecks !== undefined && { peerChecks }),
    }),
  );
  run.note('classify', `${c.findings.length} finding(s): ${summarize(c.findings.map((f) => f.kind))}`);

  // §3.5 over SSH for nodes that answer but are sick; §3.4 routing for nodes that do not answer.
  const sick = [...new Set(c.findings.filter((f) => f.node && DRILL_KINDS.has(f.kind)).map((f) => f.node!))];
  const dark = [...new Set(c.findings.filter((f) => f.node && DARK_KINDS.has(f.kind)).map((f) => f.node!))];
  const visit = sick.slice(0, cap);
  // Dark nodes already routed during the sweep come first; the activity covers the rest.
  const trace = [...dark.filter((n) => routedInSweep.has(n)), ...dark.filter((n) => !routedInSweep.has(n))].slice(0, cap);
  const [drilldown, routing] = await Promise.all([
    optionalStep(run, 'drill down', visit, sick.length, 'no sick node reachable over SSH', '§3.5 on', (nodes) => batch.nodeHealth({ nodes })),
    optionalStep(run, 'routing', trace, dark.length, 'every node answers', '§3.4 DNS, TCP and traceroute to', (nodes) =>
      routeRest(nodes, routedInSweep),
    ),
  ]);

  await run.step('decide', async () => undefined, {
    detail: c.escalate.needed ? `escalate: ${c.escalate.reasons.join('; ')}` : 'no escalation needed',
  });
  const report: DiagnoseReport = {
    ...c,
    ...(drilldown && { drilldown }),
    ...(routing && { routing }),
    generatedAt: new Date().toISOString(),
  };
  const summary = `${c.findings.length} finding(s); leader ${c.cluster.leader_id ?? 'NONE'}; ${c.cluster.alive_peers}/${c.cluster.total_peers} alive`;
  // A report that says "escalate" shows as escalated in progress, the CLI and search attributes.
  if (c.escalate.needed) run.escalate(`${summary}; ESCALATE: ${c.escalate.reasons.join('; ')}`);
  else run.complete(summary);
  return report;
}

/**
 * §6.3/§11: the nodes the worker cannot reach, checked from healthy peers when the answering
 * nodes' /status counts cannot tell which of them the cluster sees alive. A failed check is a
 * note: the findings then rest on the counts and the worker's view.
 */
async function corroborate(run: ProcedureRun<(typeof PLAN)[number]>, probes: NodeProbe[]): Promise<PeerCheck[]> {
  let checks: PeerCheck[] = [];
  let rounds = 0;
  for (; rounds < PEER_CHECK_ROUNDS; rounds++) {
    const plan = planPeerChecks(probes, checks);
    if (plan.length === 0) break;
    const more = await run
      .step('corroborate', () => batch.peerChecks({ checks: plan }), { detail: `checking ${plan.length} node(s) from healthy peers over SSH` })
      .catch((err: unknown): PeerCheck[] => {
        run.note('corroborate', `failed: ${errorText(err)}`);
        return [];
      });
    if (more.length === 0) return checks;
    checks = [...checks, ...more];
  }
  if (rounds === 0) {
    run.skip('corroborate', 'the /status counts of the answering nodes decide (no peer check needed)');
    return [];
  }
  const alive = checks.filter((c) => c.p2p === 'answers').map((c) => c.node);
  const named = alive.length > 10 ? `${alive.slice(0, 10).join(', ')} and ${alive.length - 10} more` : alive.join(', ');
  run.note('corroborate', `${checks.length} checked from peers; the cluster sees ${alive.length > 0 ? named : 'none of them'} alive`);
  return checks;
}

/** Routing for `nodes`: the sweep's results, plus one routingChecks activity for those it lacks. */
async function routeRest(nodes: string[], routed: ReadonlyMap<string, RoutingCheck>): Promise<RoutingCheck[]> {
  const missing = nodes.filter((n) => !routed.has(n));
  const fresh = missing.length > 0 ? await batch.routingChecks({ nodes: missing }) : [];
  const byNode = new Map([...routed, ...fresh.map((r) => [r.node, r] as const)]);
  return nodes.map((n) => byNode.get(n)).filter((r): r is RoutingCheck => r !== undefined);
}

function withoutRouting(p: NodeProbe): NodeProbe {
  const { routing: _routing, ...rest } = p;
  return rest;
}

function summarize(kinds: string[]): string {
  if (kinds.length === 0) return 'healthy';
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}×${n}`).join(', ');
}

/** A drill-down step over a capped node list: skipped when empty, a note (not a failure) on error. */
async function optionalStep<S extends string, T>(
  run: ProcedureRun<S>,
  name: S,
  nodes: string[],
  of: number,
  whyNot: string,
  what: string,
  fn: (nodes: string[]) => Promise<T>,
): Promise<T | undefined> {
  if (nodes.length === 0) {
    run.skip(name, whyNot);
    return undefined;
  }
  const detail = `${what} ${nodes.length} node(s)${of > nodes.length ? ` (of ${of})` : ''}`;
  return run.step(name, () => fn(nodes), { detail }).catch((err: unknown) => {
    run.note(name, `failed: ${errorText(err)}`);
    return undefined;
  });
}
