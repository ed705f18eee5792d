// What the health monitor shows: the `progress` query (DESIGN §5 shape plus a `monitor` part)
// and the Web UI's current details, kept current each heartbeat.
import { setCurrentDetails } from '@temporalio/workflow';
import type { HeartbeatSweep } from '../../src/domain/heartbeat.js';
import type { MonitorInput, MonitorProgress, MonitorState, NotificationRecord } from '../../src/domain/monitor.js';
import { escapeMarkdown } from '../../src/domain/node-text.js';
import type { StepProgress } from '../../src/domain/progress.js';

/** Nodes listed by name in progress and the Web UI; the rest are counted. */
const SHOWN_NODES = 50;
const KEPT_NOTIFICATIONS = 20;

export class MonitorView {
  private last: { at: string; ms: number; sweep: HeartbeatSweep } | undefined;
  private activity = 'starting';
  private status: MonitorProgress['status'] = 'running';
  private summary: string | undefined;
  private intervalMs = 0;

  constructor(private readonly state: MonitorState) {}

  doing(what: string): void {
    this.activity = what;
    this.render();
  }

  cycle(sweep: HeartbeatSweep, ms: number, cfg: Required<Pick<MonitorInput, 'heartbeatIntervalMs'>>): void {
    this.last = { at: new Date().toISOString(), ms, sweep };
    this.intervalMs = cfg.heartbeatIntervalMs;
    const running = Object.entries(this.state.nodes).filter(([, w]) => w.recovering).map(([n]) => n);
    if (this.state.workerBlind) {
      this.activity = `holding: the worker cannot reach ${sweep.unreachableFromWorker?.length ?? 0} nodes the cluster sees alive (its own network)`;
      this.render();
      return;
    }
    this.activity = running.length > 0 ? `watching; recovering ${running.join(', ')}` : 'watching';
    this.render();
  }

  notified(r: NotificationRecord): void {
    this.state.notifications.push(r);
    if (this.state.notifications.length > KEPT_NOTIFICATIONS) this.state.notifications.splice(0, this.state.notifications.length - KEPT_NOTIFICATIONS);
    this.render();
  }

  finish(summary: string): void {
    this.status = 'completed';
    this.summary = summary;
    this.activity = 'stopped';
    this.render();
  }

  progress(): MonitorProgress {
    const s = this.state;
    const now = Date.now();
    const sweep = this.last?.sweep;
    const blind = sweep?.unreachableFromWorker ?? [];
    const flapping = Object.entries(s.flaps ?? {})
      .filter(([, f]) => f.heldSince !== undefined)
      .map(([node, f]) => ({ node, recoveries: f.starts.length, since: f.heldSince! }));
    const nodes = Object.entries(s.nodes)
      .sort(([, a], [, b]) => b.misses - a.misses)
      .slice(0, SHOWN_NODES)
      .map(([node, w]) => ({ node, ...w }));
    const steps: StepProgress[] = [
      {
        name: 'heartbeat',
        state: this.status === 'running' ? 'running' : 'done',
        startedAt: s.startedAt,
        detail: sweep
          ? `cycle ${s.cycles}: ${sweep.total - sweep.missed.length}/${sweep.total} nodes answer, leader ${sweep.leader ?? 'NONE'} (${this.last!.ms} ms${this.last!.ms > this.intervalMs ? ', LONGER THAN THE INTERVAL' : ''})`
          : this.activity,
      },
      ...nodes.map(
        (n): StepProgress => ({
          name: `node ${n.node}`,
          state: n.incident ? 'failed' : n.recovering ? 'running' : 'pending',
          detail:
            `${n.misses} missed (${n.kind}); ${n.attempts} recovery attempt(s)${n.recovering ? `, ${n.procedure ?? 'recover-node'} running` : ''}` +
            `${n.incident ? ', ESCALATED' : ''}${s.flaps?.[n.node]?.heldSince !== undefined ? ', FLAPPING (left alone)' : ''}` +
            `${n.heldBy ? `; worked on by ${n.heldBy}` : ''}${n.lastOutcome ? `; last: ${n.lastOutcome}` : ''}`,
        }),
      ),
    ];
    return {
      procedure: 'health-monitor',
      dryRun: false,
      status: this.status,
      steps,
      decisions: [],
      monitor: {
        cycles: s.cycles,
        runs: s.runs,
        ...(this.last && { lastCycleAt: this.last.at, lastCycleMs: this.last.ms }),
        total: sweep?.total ?? 0,
        answered: sweep?.answered ?? 0,
        leader: sweep?.leader ?? null,
        leaderlessForMs: s.leaderless ? now - s.leaderless.since : 0,
        syncStalledForMs: s.syncStall ? now - s.syncStall.since : 0,
        nodes,
        unreachableFromWorker: blind.slice(0, SHOWN_NODES),
        flapping: flapping.slice(0, SHOWN_NODES),
        notifications: [...s.notifications],
        doing: this.activity,
      },
    };
  }

  private render(): void {
    const p = this.progress();
    const m = p.monitor;
    const head =
      `**health-monitor**: ${p.status}, ${escapeMarkdown(m.doing)}\n\n` +
      `cycle ${m.cycles} (run ${m.runs})${m.lastCycleMs !== undefined ? `, last sweep ${m.lastCycleMs} ms` : ''}; ` +
      `${m.total - (this.last?.sweep.missed.length ?? 0)}/${m.total} nodes answer; leader ${escapeMarkdown(m.leader ?? 'NONE')}` +
      (m.leaderlessForMs > 0 ? `; leaderless for ${Math.round(m.leaderlessForMs / 1000)} s` : '') +
      (m.syncStalledForMs > 0 ? `; sync stalled for ${Math.round(m.syncStalledForMs / 1000)} s` : '');
    const nodes = p.steps.slice(1).map((s) => `- \`${s.state}\` ${escapeMarkdown(s.name)}: ${escapeMarkdown(s.detail ?? '')}`);
    const more = Object.keys(this.state.nodes).length - m.nodes.length;
    const blindTotal = this.last?.sweep.unreachableFromWorker?.length ?? 0;
    const blind =
      blindTotal > 0
        ? `Unreachable from the worker, alive for the cluster (never recovered): ${m.unreachableFromWorker.map(escapeMarkdown).join(', ')}${blindTotal > m.unreachableFromWorker.length ? ` and ${blindTotal - m.unreachableFromWorker.length} more` : ''}`
        : '';
    const flapping = m.flapping.length > 0 ? `Flapping, left alone until \`runbook monitor resume <node>\`: ${m.flapping.map((f) => `${escapeMarkdown(f.node)} (${f.recoveries} recoveries)`).join(', ')}` : '';
    const sent = m.notifications.slice(-5).map((n) => `- ${n.at} ${escapeMarkdown(n.summary)} → ${escapeMarkdown(n.sent)}`);
    setCurrentDetails(
      [
        head,
        nodes.length > 0 ? `Nodes missing heartbeats:\n${nodes.join('\n')}${more > 0 ? `\n- … and ${more} more` : ''}` : 'Every node answers.',
        blind,
        flapping,
        sent.length > 0 ? `Notifications:\n${sent.join('\n')}` : '',
        this.summary ? escapeMarkdown(this.summary) : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
  }
}
