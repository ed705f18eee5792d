// The health monitor's contract (DESIGN §9, runbook §5.2–5.3): its workflow ID, input and the
// `progress` it answers. Pure data, shared by the workflow, the CLI and the tests.
import type { MissKind } from './heartbeat.js';
import type { ApprovalInput } from './procedure-input.js';
import type { Progress } from './progress.js';

/** One monitor per cluster: a fixed ID, so `monitor start` twice never runs two. */
export const MONITOR_WORKFLOW_ID = 'runbook-health-monitor';

export interface MonitorInput {
  /** §5.2 HEARTBEAT_INTERVAL. */
  heartbeatIntervalMs?: number;
  /** §5.2 FAILURE_THRESHOLD: consecutive misses before recover-node starts. */
  failureThreshold?: number;
  /** §5.2 RECOVERY_BACKOFF: pause after a recovery attempt that did not heal the node. */
  recoveryBackoffMs?: number;
  /** recover-node attempts per node, then the monitor escalates it. */
  maxRecoveryAttempts?: number;
  /** §6.1 limits. */
  unreachableFraction?: number;
  leaderlessMs?: number;
  syncStallMs?: number;
  /** Start force-election / repair-sync by itself (else only track and escalate). */
  remediateCluster?: boolean;
  /** Approval policy handed to the procedures it starts. */
  approval?: ApprovalInput;
  /** Extra input for the procedures it starts (maxNodesRemediated, slotsWorkflowId, …). */
  childInput?: Record<string, unknown>;
  /** Cycles per run before continue-as-new (history stays bounded). */
  cyclesPerRun?: number;
  /** Sync status is read every this many cycles (the admin API need not be asked every 5 s). */
  syncEveryCycles?: number;
  /** Tests and benchmarks: complete after this many cycles in total. */
  maxCycles?: number;
  /** Carried across continue-as-new; never set by a client. */
  state?: MonitorState;
}

export interface NodeWatch {
  misses: number;
  kind: MissKind;
  /** recover-node attempts in this episode. */
  attempts: number;
  /** Epoch ms before which no new attempt starts (recovery backoff). */
  nextAttemptAt?: number;
  /** Workflow ID of the recover-node running now. */
  recovering?: string;
  lastOutcome?: string;
  /** Set once the episode is escalated; the key resolves it when the node heals. */
  incident?: string;
}

/** A cluster-wide condition (leaderless, sync stalled, too many unreachable), tracked the same way. */
export interface ClusterWatch {
  since: number;
  attempts: number;
  nextAttemptAt?: number;
  running?: string;
  lastOutcome?: string;
  incident?: string;
}

export interface MonitorState {
  cycles: number;
  runs: number;
  startedAt: string;
  nodes: Record<string, NodeWatch>;
  leaderless?: ClusterWatch;
  syncStall?: ClusterWatch & { progress: number };
  unreachable?: ClusterWatch;
  lastSyncProgress?: { progress: number; at: number };
  notifications: Array<{ at: string; summary: string; sent: string }>;
}

export interface MonitorProgress extends Progress {
  monitor: {
    cycles: number;
    runs: number;
    lastCycleAt?: string;
    lastCycleMs?: number;
    total: number;
    answered: number;
    leader: string | null;
    leaderlessForMs: number;
    syncStalledForMs: number;
    nodes: Array<{ node: string } & NodeWatch>;
    /** The latest notifications: when, what, and to whom it went. */
    notifications: Array<{ at: string; summary: string; sent: string }>;
    doing: string;
  };
}

export type NotificationRecord = MonitorState['notifications'][number];
