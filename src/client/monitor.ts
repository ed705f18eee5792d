// Starting, stopping and reading the health monitor (DESIGN §9): one per cluster under the fixed
// ID `runbook-health-monitor`. Shared by `runbook monitor` and `runbook dev`.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { MONITOR_WORKFLOW_ID, type MonitorInput, type MonitorProgress } from '../domain/monitor.js';
import type { RunbookPolicy } from '../domain/policy.js';
import { TASK_QUEUE } from '../temporal/settings.js';
import { progressQuery, resumeNodeSignal, stopMonitorSignal } from '../../workflows/messages.js';
import { startWorkflow } from './start.js';

/** Policy values copied into the input, so history records what the monitor used. */
export function monitorInput(policy: RunbookPolicy): MonitorInput {
  return {
    heartbeatIntervalMs: policy.heartbeatIntervalMs,
    failureThreshold: policy.failureThreshold,
    recoveryBackoffMs: policy.recoveryBackoffMs,
    maxRecoveryAttempts: policy.monitor.maxRecoveryAttempts,
    flapWindowMs: policy.monitor.flapWindowMs,
    unreachableFraction: policy.escalation.unreachableFraction,
    leaderlessMs: policy.escalation.leaderlessMs,
    syncStallMs: policy.escalation.syncStallMs,
    remediateCluster: policy.monitor.remediateCluster,
    approval: {
      timeoutMs: policy.approval.timeoutMs,
      modes: policy.approval.modes,
      ...(policy.approval.minApprovers !== undefined && { minApprovers: policy.approval.minApprovers }),
    },
    childInput: { maxNodesRemediated: policy.maxNodesRemediated, unreachableFraction: policy.escalation.unreachableFraction },
  };
}

/** Starts the monitor (its search attributes from startWorkflow); `started: false` when it already runs (never a second one). */
export async function startMonitor(client: Client, policy: RunbookPolicy, taskQueue = TASK_QUEUE): Promise<{ started: boolean; runId?: string }> {
  try {
    const h = await startWorkflow(client, 'health-monitor', {
      taskQueue,
      workflowId: MONITOR_WORKFLOW_ID,
      input: monitorInput(policy),
      summary: `health monitor (§5.2–5.3): heartbeat every ${policy.heartbeatIntervalMs / 1000} s, recovery after ${policy.failureThreshold} misses`,
    });
    return { started: true, runId: h.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
    throw err;
  }
}

export async function stopMonitor(client: Client): Promise<void> {
  await client.workflow.getHandle(MONITOR_WORKFLOW_ID).signal(stopMonitorSignal);
}

/** Re-arms a node the monitor holds as flapping (or escalated): it counts and acts on it afresh. */
export async function resumeNode(client: Client, node: string): Promise<void> {
  await client.workflow.getHandle(MONITOR_WORKFLOW_ID).signal(resumeNodeSignal, { node });
}

export async function monitorStatus(client: Client): Promise<MonitorProgress> {
  return (await client.workflow.getHandle(MONITOR_WORKFLOW_ID).query(progressQuery)) as MonitorProgress;
}

export function formatMonitor(p: MonitorProgress): string {
  const m = p.monitor;
  const out = [
    `health-monitor: ${p.status}; ${m.doing}`,
    `cycle ${m.cycles} (run ${m.runs})${m.lastCycleMs !== undefined ? `, last sweep ${m.lastCycleMs} ms at ${m.lastCycleAt}` : ''}`,
    `${m.total - m.nodes.filter((n) => n.misses > 0).length}/${m.total} nodes answer; leader ${m.leader ?? 'NONE'}` +
      (m.leaderlessForMs > 0 ? `; leaderless for ${Math.round(m.leaderlessForMs / 1000)} s` : '') +
      (m.syncStalledForMs > 0 ? `; sync stalled for ${Math.round(m.syncStalledForMs / 1000)} s` : ''),
  ];
  for (const n of m.nodes) {
    out.push(
      `  ${n.node.padEnd(24)} ${String(n.misses).padStart(3)} missed (${n.kind}), ${n.attempts} attempt(s)` +
        `${n.recovering ? `, ${n.procedure ?? 'recovering'} running` : ''}${n.incident ? ', ESCALATED' : ''}` +
        `${n.heldBy ? `; worked on by ${n.heldBy}` : ''}${n.lastOutcome ? `; last: ${n.lastOutcome}` : ''}`,
    );
  }
  // Older monitors' progress has neither list.
  const blind = m.unreachableFromWorker ?? [];
  if (blind.length > 0) out.push(`  unreachable from the worker, alive for the cluster (never recovered): ${blind.join(', ')}`);
  for (const f of m.flapping ?? []) {
    out.push(`  ${f.node.padEnd(24)} FLAPPING: ${f.recoveries} recoveries in the window; left alone until \`runbook monitor resume ${f.node}\``);
  }
  for (const n of m.notifications.slice(-5)) out.push(`  notified ${n.at}: ${n.summary} -> ${n.sent}`);
  return out.join('\n');
}
