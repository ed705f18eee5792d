// health-monitor (runbook §5.2–5.3, §6.1; DESIGN §9, §11): every heartbeat_interval_s one batched
// probe of every node; consecutive misses per node; at failure_threshold the least invasive
// procedure for the kind of miss (never two per node, never while another procedure owns the
// node, recovery_backoff_s between attempts, escalation after the attempt limit, a flapping node
// left alone); how long the cluster has been leaderless and sync stalled, acted on per §6.1;
// continue-as-new keeps the history bounded. Workflow ID `runbook-health-monitor`.
import {
  condition,
  continueAsNew,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { HeartbeatSweep, MissKind } from '../src/domain/heartbeat.js';
import { type ClusterWatch, type FlapWatch, MONITOR_WORKFLOW_ID, type MonitorInput, type MonitorState, type NodeWatch } from '../src/domain/monitor.js';
import { describeDeliveries } from '../src/domain/notification.js';
import type { EscalationBundle, ProcedureResult } from '../src/domain/procedure-input.js';
import { RunbookProcedure } from '../src/temporal/search-attributes.js';
import { progressQuery, resumeNodeSignal, stopMonitorSignal } from './messages.js';
import { MonitorView } from './monitor/view.js';
import { monitorActivities, ownerActivities } from './monitor/activities.js';
import { notifying } from './runtime/activities.js';
import { errorText } from './runtime/error-text.js';
import { gatherEscalation } from './runtime/escalation.js';
import { startDetails } from '../src/domain/start-details.js';

const DEFAULTS = {
  heartbeatIntervalMs: 5_000,
  failureThreshold: 3,
  recoveryBackoffMs: 10_000,
  maxRecoveryAttempts: 3,
  flapWindowMs: 60 * 60_000,
  unreachableFraction: 0.5,
  leaderlessMs: 5 * 60_000,
  syncStallMs: 10 * 60_000,
  remediateCluster: true,
  // ~10 events per cycle: a run stays near 5,000 events, far below Temporal's 50k limit.
  cyclesPerRun: 500,
  syncEveryCycles: 6,
} as const;

/** A run continues as new with children still running only past this many cycles beyond its quota. */
const OVERRUN_FACTOR = 4;

// patched() ids of the monitor's later command sequences. Each is read once as a run starts: a
// run recorded before it keeps the old behaviour to its end, its continuation takes the new one.
/** p2p-down → restart-p2p, cut-off → recover-node, host-down → escalate (DESIGN §11); before: recover-node for every miss. */
export const LEAST_INVASIVE_PATCH = 'monitor-least-invasive';
/** Nodes only the worker cannot reach are shown, never recovered; many of them escalate the worker's network. */
export const WORKER_VANTAGE_PATCH = 'monitor-worker-vantage';
/** Recoveries counted per node over flapWindowMs across heals; a flapping node is escalated and left alone. */
export const FLAP_WINDOW_PATCH = 'monitor-flap-window';
/** Before a recovery starts, ask which procedures work on the node; none starts while one does. */
export const ONE_OWNER_PATCH = 'monitor-one-owner';

/** DESIGN §11 least invasive first: the procedure for each kind of miss; none for a dead host. */
const PROCEDURE_FOR: Record<MissKind, 'restart-p2p' | 'recover-node' | undefined> = {
  'p2p-down': 'restart-p2p',
  'cut-off': 'recover-node',
  'host-down': undefined,
};

type Config = Required<Pick<MonitorInput, keyof typeof DEFAULTS>> & MonitorInput;

export async function healthMonitor(input: MonitorInput = {}): Promise<ProcedureResult> {
  const cfg: Config = { ...DEFAULTS, ...definedOnly(input) };
  const state: MonitorState = input.state ?? { cycles: 0, runs: 1, startedAt: new Date().toISOString(), nodes: {}, notifications: [] };
  const leastInvasive = patched(LEAST_INVASIVE_PATCH);
  const workerVantage = patched(WORKER_VANTAGE_PATCH);
  const flapWindow = patched(FLAP_WINDOW_PATCH);
  const oneOwner = patched(ONE_OWNER_PATCH);
  const view = new MonitorView(state);
  let stop = false;
  setHandler(stopMonitorSignal, () => {
    stop = true;
  });
  setHandler(progressQuery, () => view.progress());
  upsertSearchAttributes([{ key: RunbookProcedure, value: 'health-monitor' }]);

  // Children and notifications run beside the heartbeat loop; continue-as-new waits for both,
  // a stop only for the notifications (children are abandoned, never cut off mid-change).
  const children = new Set<Promise<void>>();
  const notices = new Set<Promise<void>>();
  const track = (set: Set<Promise<void>>, p: Promise<void>): void => {
    set.add(p);
    void p.finally(() => set.delete(p));
  };
  /** The last escalation bundle a recover-node returned per node: the §6.2 bundle for its page. */
  const bundles = new Map<string, EscalationBundle>();

  const notify = (action: 'trigger' | 'resolve', key: string, source: string, summary: string, bundle?: () => Promise<EscalationBundle>): void => {
    track(
      notices,
      (async () => {
        const at = new Date().toISOString();
        try {
          const r = await notifying.notify({
            dedupKey: key,
            action,
            summary,
            severity: action === 'trigger' ? 'critical' : 'info',
            source,
            procedure: 'health-monitor',
            workflowId: workflowInfo().workflowId,
            ...(bundle && { bundle: await bundle() }),
          });
          view.notified({ at, summary, sent: describeDeliveries(r) });
        } catch (err) {
          view.notified({ at, summary, sent: `notify failed: ${errorText(err)}` });
        }
      })(),
    );
  };
  const escalate = (w: { incident?: string }, subject: string, source: string, reasons: string[], nodes: string[], bundle?: EscalationBundle): void => {
    // One incident per episode: the key names the monitor, the subject and when it was raised.
    w.incident = `${MONITOR_WORKFLOW_ID}:${subject}:${Date.now().toString(36)}`;
    const summary = `${source}: ${reasons.join('; ')}`;
    notify('trigger', w.incident, source, summary, async () =>
      bundle ? { ...bundle, reasons: [...reasons, ...bundle.reasons] } : gatherEscalation(reasons, view.progress(), nodes),
    );
  };
  const resolve = (w: { incident?: string }, source: string, summary: string): void => {
    if (w.incident === undefined) return;
    notify('resolve', w.incident, source, summary);
    delete w.incident;
  };

  // `runbook monitor resume <node>`: an operator has looked at a flapping (or escalated) node;
  // the monitor counts it afresh and acts on it again.
  setHandler(resumeNodeSignal, ({ node }) => {
    const f = state.flaps?.[node];
    if (f) {
      resolve(f, node, `${node} resumed by an operator`);
      delete state.flaps![node];
    }
    const w = state.nodes[node];
    if (w && w.recovering === undefined) {
      resolve(w, node, `${node} resumed by an operator`);
      w.attempts = 0;
      delete w.nextAttemptAt;
      delete w.escalatedFor;
    }
    view.doing(`${node} resumed by an operator`);
  });

  /** Starts a procedure as a child the monitor does not wait on; `done` gets its result. */
  const startProcedure = (type: string, workflowId: string, why: string, args: Record<string, unknown>, done: (outcome: string, r?: ProcedureResult) => void): void => {
    track(children, runChild(type, workflowId, why, args, done));
  };
  async function runChild(type: string, workflowId: string, why: string, args: Record<string, unknown>, done: (outcome: string, r?: ProcedureResult) => void): Promise<void> {
    try {
      const child = await startChild(type, {
        workflowId,
        args: [{ approval: cfg.approval, ...cfg.childInput, ...args, requestedBy: `${MONITOR_WORKFLOW_ID}: ${why}`, notify: false }],
        // The Web UI says who started it and why: user metadata, not a new command.
        staticSummary: `${type}${typeof args['node'] === 'string' ? ` on ${args['node']}` : ''}, started by the health monitor: ${why}`,
        staticDetails: startDetails({
          workflow: type,
          ...(typeof args['node'] === 'string' && { node: args['node'] }),
          requestedBy: `${MONITOR_WORKFLOW_ID}: ${why}`,
          parent: { kind: 'health monitor', workflowId: workflowInfo().workflowId },
        }),
        // A recovery half way through a change must not be killed when the monitor stops or
        // continues as new; the fixed ID keeps a later run from starting a second one.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      const r = (await child.result()) as ProcedureResult;
      done(`${r.status}: ${r.summary}`, r);
    } catch (err) {
      done(err instanceof WorkflowExecutionAlreadyStartedError ? `${type} ${workflowId} is already running` : `failed: ${errorText(err)}`);
    }
  }

  /** Who else works on the node (DESIGN §11 one owner), or undefined when nobody does. */
  const ownerOf = async (node: string): Promise<string | undefined> => {
    try {
      const owners = await ownerActivities.openProceduresOnNode({ node });
      return owners.length > 0 ? owners.map((o) => `${o.procedure} ${o.workflowId}`).join(', ') : undefined;
    } catch (err) {
      // Not knowing is not "nobody": wait for the next heartbeat rather than risk two owners.
      return `unknown (could not ask: ${errorText(err).slice(0, 120)})`;
    }
  };

  const recoverNode = (node: string, w: NodeWatch, procedure: 'restart-p2p' | 'recover-node'): void => {
    w.recovering = `${workflowInfo().workflowId}-${procedure}-${node}`;
    w.procedure = procedure;
    const why = `${w.misses} missed heartbeats (${w.kind})`;
    const done = (outcome: string, r?: ProcedureResult): void => {
      w.lastOutcome = outcome.slice(0, 300);
      if (r?.escalation) bundles.set(node, r.escalation);
      delete w.recovering;
      // §5.2 RECOVERY_BACKOFF: the next attempt waits, whatever this one's outcome.
      w.nextAttemptAt = Date.now() + cfg.recoveryBackoffMs;
      if (w.misses === 0 && w.incident === undefined) delete state.nodes[node];
    };
    const start = (): Promise<void> => {
      w.attempts++;
      if (flapWindow) ((state.flaps ??= {})[node] ??= { starts: [] }).starts.push(Date.now());
      view.doing(`${procedure} ${node} (attempt ${w.attempts} of ${cfg.maxRecoveryAttempts})`);
      return runChild(procedure, w.recovering!, why, { node }, done);
    };
    if (!oneOwner) {
      track(children, start());
      return;
    }
    track(
      children,
      (async () => {
        const holder = await ownerOf(node);
        if (holder !== undefined) {
          // Another procedure owns the node: it is not the monitor's attempt, and it is asked
          // again at the next heartbeat while the node still misses.
          w.heldBy = holder.slice(0, 300);
          delete w.recovering;
          view.doing(`${node} is worked on by ${w.heldBy}: not starting ${procedure}`);
          if (w.misses === 0 && w.incident === undefined) delete state.nodes[node];
          return;
        }
        delete w.heldBy;
        await start();
      })(),
    );
  };

  /** DESIGN §11: a host that answers on no port cannot be fixed remotely; say so once and watch. */
  const escalateHostDown = (node: string, w: NodeWatch): void => {
    w.escalatedFor = 'host-down';
    escalate(w, `node-${node}`, node, [`${node} missed ${w.misses} heartbeats (host-down): no P2P, health or SSH answer; host down: only a human can fix it`], [node]);
  };

  /** More than maxRecoveryAttempts recoveries within the window: escalate once and leave the node alone. */
  const holdFlapping = (node: string, f: FlapWatch, now: number): void => {
    f.heldSince = now;
    const minutes = Math.round(cfg.flapWindowMs / 60_000);
    escalate(f, `flapping-${node}`, node, [
      `flapping: ${f.starts.length} recoveries in ${minutes} min; ${node} fails again after each one. ` +
        `The monitor leaves it alone until \`runbook monitor resume ${node}\` or ${minutes} min without a miss`,
    ], [node]);
  };

  /** Flap bookkeeping each heartbeat: starts age out of the window; a held node with a clean window is re-armed. */
  const ageFlaps = (missed: ReadonlyMap<string, MissKind>, now: number): void => {
    for (const [node, f] of Object.entries(state.flaps ?? {})) {
      if (missed.has(node)) f.lastMissAt = now;
      f.starts = f.starts.filter((t) => now - t < cfg.flapWindowMs);
      if (f.heldSince !== undefined && now - (f.lastMissAt ?? f.heldSince) >= cfg.flapWindowMs) {
        resolve(f, node, `${node}: no missed heartbeat for ${Math.round(cfg.flapWindowMs / 60_000)} min; the monitor acts on it again`);
        delete state.flaps![node];
        continue;
      }
      if (f.starts.length === 0 && f.heldSince === undefined && f.incident === undefined) delete state.flaps![node];
    }
  };

  const clusterAction = (w: ClusterWatch, type: string, why: string, args: Record<string, unknown>): void => {
    w.attempts++;
    w.running = `${workflowInfo().workflowId}-${type}`;
    view.doing(`${type} (attempt ${w.attempts})`);
    startProcedure(type, w.running, why, args, (outcome) => {
      w.lastOutcome = outcome.slice(0, 300);
      delete w.running;
      w.nextAttemptAt = Date.now() + cfg.recoveryBackoffMs;
    });
  };

  const act = (sweep: HeartbeatSweep): void => {
    const now = Date.now();
    // DESIGN §11: a node only the worker cannot reach is the worker's problem, never a miss.
    const blind = workerVantage ? (sweep.unreachableFromWorker ?? []) : [];
    const blindSet = new Set(blind);
    const missed = new Map(sweep.missed.filter((m) => !blindSet.has(m.node)).map((m) => [m.node, m.kind]));
    if (flapWindow) ageFlaps(missed, now);

    // Nodes that answered again: the count restarts, an escalated episode is resolved.
    for (const [node, w] of Object.entries(state.nodes)) {
      if (missed.has(node)) continue;
      w.misses = 0;
      resolve(w, node, `${node} answers heartbeats again`);
      if (w.recovering === undefined) delete state.nodes[node];
    }

    // §6.1 "more than 50% of nodes unreachable": a human decides; nothing is restarted meanwhile.
    const down = sweep.missed.filter((m) => m.kind === 'host-down').length;
    const tooManyDown = sweep.total > 0 && down / sweep.total > cfg.unreachableFraction;
    if (tooManyDown) {
      const w = (state.unreachable ??= { since: now, attempts: 0 });
      if (w.incident === undefined) {
        escalate(w, 'unreachable', 'cluster', [`${down} of ${sweep.total} nodes unreachable (more than ${Math.round(cfg.unreachableFraction * 100)}%)`], []);
      }
    } else if (state.unreachable) {
      resolve(state.unreachable, 'cluster', 'most nodes answer again');
      delete state.unreachable;
    }

    // Many nodes the worker cannot reach while the cluster sees them alive: the worker's own
    // network is at fault. A human looks; nothing is recovered from this vantage point meanwhile.
    const workerBlind = sweep.total > 0 && blind.length / sweep.total > cfg.unreachableFraction;
    if (workerBlind) {
      const w = (state.workerBlind ??= { since: now, attempts: 0 });
      if (w.incident === undefined) {
        escalate(w, 'worker-network', 'worker', [`the worker cannot reach ${blind.length} of ${sweep.total} nodes that the cluster sees alive: check the worker's own network`], []);
      }
    } else if (state.workerBlind) {
      resolve(state.workerBlind, 'worker', 'the worker reaches the nodes again');
      delete state.workerBlind;
    }
    const holdAll = tooManyDown || workerBlind;

    for (const [node, kind] of missed) {
      const w = (state.nodes[node] ??= { misses: 0, kind, attempts: 0 });
      w.misses++;
      w.kind = kind;
      // A host that was down is back with something else wrong: that episode is over, this one is new.
      if (w.escalatedFor === 'host-down' && kind !== 'host-down') {
        resolve(w, node, `${node} answers again (now ${kind})`);
        delete w.escalatedFor;
      }
      // §5.2: recovery starts at exactly failure_threshold consecutive misses, one at a time.
      if (w.misses < cfg.failureThreshold || w.recovering !== undefined || w.incident !== undefined || holdAll) continue;
      if (state.flaps?.[node]?.heldSince !== undefined) continue;
      const procedure = leastInvasive ? PROCEDURE_FOR[kind] : 'recover-node';
      if (procedure === undefined) {
        escalateHostDown(node, w);
        continue;
      }
      if ((w.nextAttemptAt ?? 0) > now) continue;
      if (w.attempts >= cfg.maxRecoveryAttempts) {
        const what = leastInvasive ? 'recovery attempt(s)' : 'recover-node attempt(s)';
        const reasons = [`${node} missed ${w.misses} heartbeats (${kind}); ${w.attempts} ${what} did not bring it back${w.lastOutcome ? ` (last: ${w.lastOutcome})` : ''}`];
        escalate(w, `node-${node}`, node, reasons, [node], bundles.get(node));
        continue;
      }
      const f = state.flaps?.[node];
      if (flapWindow && f && f.starts.length >= cfg.maxRecoveryAttempts) {
        holdFlapping(node, f, now);
        continue;
      }
      recoverNode(node, w, procedure);
    }

    // §6.1 "no leader for >5 minutes": force-election after failure_threshold leaderless beats.
    if (sweep.answered > 0 && sweep.leader === null) {
      const w = (state.leaderless ??= { since: now, attempts: 0 });
      const forMs = now - w.since;
      const beats = Math.floor(forMs / cfg.heartbeatIntervalMs) + 1;
      if (forMs > cfg.leaderlessMs && w.incident === undefined) {
        escalate(w, 'leaderless', 'cluster', [`no leader for ${Math.round(forMs / 1000)} s (limit ${Math.round(cfg.leaderlessMs / 1000)} s)`], []);
      } else if (cfg.remediateCluster && !workerBlind && beats >= cfg.failureThreshold && w.running === undefined && w.incident === undefined && (w.nextAttemptAt ?? 0) <= now && w.attempts < cfg.maxRecoveryAttempts) {
        clusterAction(w, 'force-election', `no leader for ${beats} heartbeats`, { leaderlessMs: Math.max(0, cfg.leaderlessMs - forMs) });
      }
    } else if (sweep.leader !== null && state.leaderless) {
      // A force-election still running ends on its own; a new episode finds it by its fixed ID.
      resolve(state.leaderless, 'cluster', `leader ${sweep.leader} elected`);
      delete state.leaderless;
    }

    // §6.1 "data sync completely stalled": the admin API says so, or progress has not moved.
    const sync = sweep.sync;
    if (sync && !('error' in sync)) {
      const last = state.lastSyncProgress;
      if (!last || sync.progress !== last.progress || !sync.inProgress) state.lastSyncProgress = { progress: sync.progress, at: now };
      const idleFor = sync.inProgress && last ? now - state.lastSyncProgress!.at : 0;
      const stalled = sync.stalled || idleFor >= cfg.failureThreshold * cfg.syncEveryCycles * cfg.heartbeatIntervalMs;
      if (stalled) {
        const w = (state.syncStall ??= { since: now, attempts: 0, progress: sync.progress });
        const forMs = now - w.since;
        if (forMs > cfg.syncStallMs && w.incident === undefined) {
          escalate(w, 'sync-stalled', 'cluster', [`data sync stalled at ${Math.round(sync.progress * 100)}% for ${Math.round(forMs / 60_000)} min`], []);
        } else if (cfg.remediateCluster && !workerBlind && w.running === undefined && w.incident === undefined && (w.nextAttemptAt ?? 0) <= now && w.attempts < cfg.maxRecoveryAttempts) {
          clusterAction(w, 'repair-sync', sync.stalled ? 'the admin API reports sync stalled' : `no sync progress for ${Math.round(idleFor / 1000)} s`, {});
        }
      } else if (state.syncStall) {
        resolve(state.syncStall, 'cluster', 'data sync is progressing again');
        delete state.syncStall;
      }
    }
  };

  let cyclesThisRun = 0;
  for (;;) {
    if (stop || (cfg.maxCycles !== undefined && state.cycles >= cfg.maxCycles)) break;
    const due = cyclesThisRun >= cfg.cyclesPerRun || workflowInfo().continueAsNewSuggested;
    if (due && ((children.size === 0 && notices.size === 0) || cyclesThisRun >= cfg.cyclesPerRun * OVERRUN_FACTOR)) {
      view.doing('continuing as new (keeps the history bounded)');
      await continueAsNew<typeof healthMonitor>({ ...input, state: carryOver(state, cfg.recoveryBackoffMs) });
    }
    const started = Date.now();
    view.doing(`heartbeat ${state.cycles + 1}`);
    const sweep = await monitorActivities
      .heartbeatSweep({ withSync: state.cycles % cfg.syncEveryCycles === 0 })
      .catch((err: unknown) => {
        // A sweep that failed says nothing about the nodes: no miss is counted for anyone.
        view.doing(`heartbeat ${state.cycles + 1} failed: ${errorText(err)}`);
        return undefined;
      });
    state.cycles++;
    cyclesThisRun++;
    if (sweep) {
      act(sweep);
      view.cycle(sweep, Date.now() - started, cfg);
    }
    const wait = cfg.heartbeatIntervalMs - (Date.now() - started);
    // A sweep longer than the interval starts the next one at once (the view shows the overrun).
    if (wait > 0) await condition(() => stop, wait, { summary: '§5.3 next heartbeat' });
  }
  view.doing('stopping: waiting for notifications in flight');
  await Promise.all([...notices]);
  const summary = `stopped after ${state.cycles} heartbeat(s); ${Object.keys(state.nodes).length} node(s) still watched`;
  view.finish(summary);
  return { procedure: 'health-monitor', status: 'completed', summary, dryRun: false };
}

/** The next run's state: nothing it cannot wait on is marked running (a later start finds it by ID). */
function carryOver(state: MonitorState, backoffMs: number): MonitorState {
  const next = structuredCloneLite(state);
  next.runs++;
  next.notifications = next.notifications.slice(-10);
  const later = Date.now() + backoffMs;
  for (const w of [...Object.values(next.nodes), next.leaderless, next.syncStall]) {
    if (w && ('recovering' in w || 'running' in w)) {
      delete (w as NodeWatch).recovering;
      delete (w as ClusterWatch).running;
      w.nextAttemptAt = later;
    }
  }
  return next;
}

const structuredCloneLite = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
