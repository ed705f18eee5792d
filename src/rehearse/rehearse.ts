// `runbook rehearse` (DESIGN §13): reads the configured hosts file and policy, checks the request,
// starts the twin's own Temporal, runs each case on a fresh twin, and tears everything down,
// also when interrupted. The configured hosts file is only ever read; its hash is checked at the end.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';
import { loadCluster, loadPolicy } from '../config/loader.js';
import type { RunbookPolicy } from '../domain/policy.js';
import { FAULT_KINDS, NODE_FAULTS } from '../sim/index.js';
import { isProcedureName, PROCEDURE_NAMES, PROCEDURES, type ProcedureName } from '../../workflows/registry.js';
import { RehearsalInterrupted, RehearseUsageError } from './errors.js';
import { DEFAULT_TIME_SCALE, rehearsalPolicy } from './policy.js';
import { type CaseResult, runCase } from './run-case.js';
import { ALL_SCENARIOS, DEFAULT_FAULT, driverLabel, MAJORITY_DOWN, type Scenario, scenario } from './scenarios.js';
import { startTwinServer } from './twin-server.js';
import { planTwin, TwinSpecError } from './twin-spec.js';

/**
 * Second octet of the twin's addresses (127.<subnet>.x.y; fallbacks on subnet+100, a moved node on
 * subnet+50). Away from `runbook dev`'s simulator (10, 60, 110) and the test suite's numbers.
 */
export const DEFAULT_TWIN_SUBNET = 154;
/** The twin nodes' SSH port: 22 needs root and is held on every address by the machine's sshd. */
export const DEFAULT_TWIN_SSH_PORT = 2222;
/** A case that has not ended by then counts as not healed. */
export const DEFAULT_CASE_TIMEOUT_MS = 300_000;

export { RehearsalInterrupted, RehearseUsageError };

export type RehearseWhat =
  | { kind: 'all' }
  /** A chosen list (part of `--all`, say): each scenario as given, on the default node. */
  | { kind: 'scenarios'; scenarios: readonly Scenario[] }
  | { kind: 'procedure'; procedure: string; fault?: string; node?: string }
  | { kind: 'incident'; alertname: string; fault?: string; node?: string }
  | { kind: 'monitor'; fault?: string; node?: string };

export interface RehearseRequest {
  what: RehearseWhat;
  hostsFile: string;
  /** Default: the policy's own defaults. */
  policyFile?: string;
  subnet?: number;
  sshPort?: number;
  timeScale?: number;
  caseTimeoutMs?: number;
  say?: (line: string) => void;
  signal?: AbortSignal;
  /** Tests: a bundle built once for the file. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export interface RehearsalReport {
  hostsFile: string;
  twin: { nodes: number; voters: string[]; coordinator: string; backbone: string; subnet: number; sshPort: number; notes: string[] };
  policy: { silenced: string[]; scaled: string[] };
  results: CaseResult[];
  /** Every case ended the way the runbook promises. */
  ok: boolean;
  ms: number;
}

export async function rehearse(req: RehearseRequest): Promise<RehearsalReport> {
  const started = Date.now();
  const say = req.say ?? (() => undefined);
  const signal = req.signal ?? new AbortController().signal;
  const subnet = checkedInt('--subnet', req.subnet ?? DEFAULT_TWIN_SUBNET, 1, 155);
  const sshPort = checkedInt('--ssh-port', req.sshPort ?? DEFAULT_TWIN_SSH_PORT, 1024, 65535);
  const timeScale = req.timeScale ?? DEFAULT_TIME_SCALE;
  if (!(timeScale > 0 && timeScale <= 1)) throw new RehearseUsageError(`--time-scale must be above 0 and at most 1, got ${timeScale}`);

  const before = fingerprint(req.hostsFile);
  const spec = loadCluster(req.hostsFile);
  const configured = req.policyFile !== undefined ? loadPolicy(req.policyFile) : loadPolicy();
  let plan;
  try {
    plan = planTwin(spec, sshPort);
  } catch (err) {
    if (err instanceof TwinSpecError) throw new RehearseUsageError(err.message);
    throw err;
  }
  const names = new Set(spec.hosts.map((h) => h.name));
  const cases = casesFor(req.what, configured, names);
  const { policy, silenced, scaled } = rehearsalPolicy(configured, timeScale);
  const report: RehearsalReport = {
    hostsFile: req.hostsFile,
    twin: { nodes: spec.hosts.length, voters: spec.voter_nodes, coordinator: plan.coordinator, backbone: plan.backbone, subnet, sshPort, notes: plan.notes },
    policy: { silenced, scaled },
    results: [],
    ok: false,
    ms: 0,
  };
  say(`twin of ${req.hostsFile}: ${spec.hosts.length} nodes, ${spec.voter_nodes.length} voters, coordinator ${plan.coordinator}, backbone ${plan.backbone}, on 127.${subnet}.x.y`);
  for (const n of plan.notes) say(`  note: ${n}`);
  if (silenced.length > 0) say(`  nobody is notified: ${silenced.join(', ')} would hear of a real run`);
  if (scaled.length > 0) say(`  waiting windows scaled by ${timeScale}: ${scaled.join('; ')}`);

  const dir = mkdtempSync(join(tmpdir(), 'runbook-rehearse-'));
  try {
    if (signal.aborted) throw new RehearsalInterrupted('interrupted before the twin started');
    say('starting the twin\'s own Temporal dev server…');
    const server = await startTwinServer(dir, req.workflowBundle !== undefined ? { workflowBundle: req.workflowBundle } : {});
    try {
      say(`twin's Temporal: ${server.address} (Web UI ${server.uiUrl}, gone when the rehearsal ends)`);
      for (const [i, c] of cases.entries()) {
        if (signal.aborted) break;
        const label = `[${i + 1}/${cases.length}] ${driverLabel(c.scenario.driver)} / ${c.scenario.fault}`;
        const caseDir = join(dir, `case-${i + 1}`);
        mkdirSync(caseDir);
        const r = await runCase(c.scenario, label, {
          plan,
          policy,
          server,
          subnet,
          sshPort,
          dir: caseDir,
          ...(c.node !== undefined && { node: c.node }),
          timeoutMs: req.caseTimeoutMs ?? DEFAULT_CASE_TIMEOUT_MS,
          say,
          signal,
        });
        if (signal.aborted) break;
        report.results.push(r);
        say(`${label}: ${r.asExpected ? 'ok' : 'NOT OK'} (${r.status}${r.reason !== undefined ? `: ${r.reason}` : ''}) in ${(r.ms / 1000).toFixed(1)} s`);
      }
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (signal.aborted) throw new RehearsalInterrupted('interrupted: the twin, its worker and its Temporal server were stopped');
  // Belt and braces: nothing above writes the configured file, and this says so out loud if it ever did.
  if (fingerprint(req.hostsFile) !== before) throw new Error(`${req.hostsFile} changed during the rehearsal; it must only ever be read`);
  report.ok = report.results.length === cases.length && report.results.every((r) => r.asExpected);
  report.ms = Date.now() - started;
  return report;
}

interface PlannedCase {
  scenario: Scenario;
  node?: string;
}

/** Turns the request into cases, refusing what cannot run (exit 2) before anything starts. */
export function casesFor(what: RehearseWhat, policy: RunbookPolicy, nodes: ReadonlySet<string>): PlannedCase[] {
  if (what.kind === 'all') return ALL_SCENARIOS.map((s) => ({ scenario: s }));
  if (what.kind === 'scenarios') return what.scenarios.map((s) => ({ scenario: s }));
  if (what.node !== undefined && !nodes.has(what.node)) {
    throw new RehearseUsageError(`node "${what.node}" is not in the hosts file; one of: ${[...nodes].slice(0, 10).join(', ')}${nodes.size > 10 ? ', …' : ''}`);
  }
  let s: Scenario;
  if (what.kind === 'procedure') {
    if (!isProcedureName(what.procedure)) throw new RehearseUsageError(`unknown procedure "${what.procedure}"; one of: ${PROCEDURE_NAMES.join(', ')}`);
    s = scenario({ kind: 'procedure', procedure: what.procedure }, checkedFault(what.fault ?? DEFAULT_FAULT[what.procedure]));
    // A node procedure against a cluster fault still acts on a node: --node names it.
    if (PROCEDURES[what.procedure].needsNode) return [{ scenario: s, ...(what.node !== undefined && { node: what.node }) }];
  } else if (what.kind === 'incident') {
    const route = policy.alerts[what.alertname];
    if (route === undefined) throw new RehearseUsageError(`alert "${what.alertname}" is not routed in the policy; one of: ${Object.keys(policy.alerts).join(', ')}`);
    const fault = checkedFault(what.fault ?? (route.procedure === 'connectivity-incident' ? 'p2p-down' : DEFAULT_FAULT[route.procedure as ProcedureName]));
    s = scenario({ kind: 'incident', alertname: what.alertname }, fault);
    // escalate-only (§7 ClusterHealthCritical): diagnose and page, never change anything.
    if (route.mode === 'escalate-only') s = { ...s, expect: 'escalated' };
  } else {
    s = scenario({ kind: 'monitor' }, checkedFault(what.fault ?? 'p2p-down'));
  }
  if (what.node !== undefined && s.target !== 'node') throw new RehearseUsageError(`--node applies to a node fault; ${s.fault} is not one`);
  return [{ scenario: s, ...(what.node !== undefined && { node: what.node }) }];
}

function checkedFault(fault: string): string {
  if (fault === MAJORITY_DOWN || (FAULT_KINDS as readonly string[]).includes(fault)) return fault;
  throw new RehearseUsageError(`unknown fault "${fault}"; one of: ${[...NODE_FAULTS, ...FAULT_KINDS.filter((f) => !(NODE_FAULTS as readonly string[]).includes(f)), MAJORITY_DOWN].join(', ')}`);
}

function checkedInt(flag: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RehearseUsageError(`${flag} must be an integer from ${lo} to ${hi}, got ${v}`);
  return v;
}

function fingerprint(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined; // loadCluster reports a missing file with its own clear error
  }
}
