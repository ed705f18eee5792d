// health-monitor (runbook §5.2–5.3, §6.1; DESIGN §9): every heartbeat_interval_s one batched
// probe of every node; consecutive misses per node; recover-node at failure_threshold (never
// two per node, recovery_backoff_s between attempts, escalation after the attempt limit); how
// long the cluster has been leaderless and sync stalled, acted on per §6.1; continue-as-new
// keeps the history bounded. Workflow ID `runbook-health-monitor`.
import {
  condition,
  continueAsNew,
  ParentClosePolicy,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { HeartbeatSweep } from '../src/domain/heartbeat.js';
import { type ClusterWatch, MONITOR_WORKFLOW_ID, type MonitorInput, type MonitorState, type NodeWatch } from '../src/domain/monitor.js';
import { describeDeliveries } from '../src/domain/notification.js';
import type { EscalationBundle, ProcedureResult } from '../src/domain/procedure-input.js';
import { RunbookProcedure } from '../src/temporal/search-attributes.js';
import { progressQuery, stopMonitorSignal } from './messages.js';
import { MonitorView } from './monitor/view.js';
import { monitorActivities } from './monitor/activities.js';
import { notifying } from './runtime/activities.js';
import { errorText } from './runtime/error-text.js';
import { gatherEscalation } from './runtime/escalation.js';
import { startDetails } from '../src/domain/start-details.js';

const DEFAULTS = {
  heartbeatIntervalMs: 5_000,
  failureThreshold: 3,
  recoveryBackoffMs: 10_000,
  maxRecoveryAttempts: 3,
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

type Config = Required<Pick<MonitorInput, keyof typeof DEFAULTS>> & MonitorInput;

export async function healthMonitor(input: MonitorInput = {}): Promise<ProcedureResult> {
  const cfg: Config = { ...DEFAULTS, ...definedOnly(input) };
  const state: MonitorState = input.state ?? { cycles: 0, runs: 1, startedAt: new Date().toISOString(), nodes: {}, notifications: [] };
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

  /** Starts a procedure as a child the monitor does not wait on; `done` gets its result. */
  const startProcedure = (type: string, workflowId: string, why: string, args: Record<string, unknown>, done: (outcome: string, r?: ProcedureResult) => void): void => {
    track(
      children,
      (async () => {
        try {
          const child = await startChild(type, {
            workflowId,
            args: [{ approval: cfg.approval, ...cfg.childInput, ...args, requestedBy: `${MONITOR_WORKFLOW_ID}: ${why}`, notify: false }],
            // The Web UI says who started it and why (issue 15 item 2): user metadata, not a new command.
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
      })(),
    );
  };

  const recoverNode = (node: string, w: NodeWatch): void => {
    w.attempts++;
    w.recovering = `${workflowInfo().workflowId}-recover-node-${node}`;
    view.doing(`recover-node ${node} (attempt ${w.attempts} of ${cfg.maxRecoveryAttempts})`);
    startProcedure('recover-node', w.recovering, `${w.misses} missed heartbeats (${w.kind})`, { node }, (outcome, r) => {
      w.lastOutcome = outcome.slice(0, 300);
      if (r?.escalation) bundles.set(node, r.escalation);
      delete w.recovering;
      // §5.2 RECOVERY_BACKOFF: the next attempt waits, whatever this one's outcome.
      w.nextAttemptAt = Date.now() + cfg.recoveryBackoffMs;
      if (w.misses === 0 && w.incident === undefined) delete state.nodes[node];
    });
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
    const missed = new Map(sweep.missed.map((m) => [m.node, m.kind]));

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

    for (const [node, kind] of missed) {
      const w = (state.nodes[node] ??= { misses: 0, kind, attempts: 0 });
      w.misses++;
      w.kind = kind;
      // §5.2: recovery starts at exactly failure_threshold consecutive misses, one at a time.
      if (w.misses < cfg.failureThreshold || w.recovering !== undefined || w.incident !== undefined || tooManyDown) continue;
      if ((w.nextAttemptAt ?? 0) > now) continue;
      if (w.attempts >= cfg.maxRecoveryAttempts) {
        const reasons = [`${node} missed ${w.misses} heartbeats (${kind}); ${w.attempts} recover-node attempt(s) did not bring it back${w.lastOutcome ? ` (last: ${w.lastOutcome})` : ''}`];
        escalate(w, `node-${node}`, node, reasons, [node], bundles.get(node));
        continue;
      }
      recoverNode(node, w);
    }

    // §6.1 "no leader for >5 minutes": force-election after failure_threshold leaderless beats.
    if (sweep.answered > 0 && sweep.leader === null) {
      const w = (state.leaderless ??= { since: now, attempts: 0 });
      const forMs = now - w.since;
      const beats = Math.floor(forMs / cfg.heartbeatIntervalMs) + 1;
      if (forMs > cfg.leaderlessMs && w.incident === undefined) {
        escalate(w, 'leaderless', 'cluster', [`no leader for ${Math.round(forMs / 1000)} s (limit ${Math.round(cfg.leaderlessMs / 1000)} s)`], []);
      } else if (cfg.remediateCluster && beats >= cfg.failureThreshold && w.running === undefined && w.incident === undefined && (w.nextAttemptAt ?? 0) <= now && w.attempts < cfg.maxRecoveryAttempts) {
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
        } else if (cfg.remediateCluster && w.running === undefined && w.incident === undefined && (w.nextAttemptAt ?? 0) <= now && w.attempts < cfg.maxRecoveryAttempts) {
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
