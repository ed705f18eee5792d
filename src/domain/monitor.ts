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
  /** Recoveries per node while it stays down, then the monitor escalates it; also the flapping limit. */
  maxRecoveryAttempts?: number;
  /** More than maxRecoveryAttempts recoveries of one node within this window: flapping. */
  flapWindowMs?: number;
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
  /** Recoveries in this episode. */
  attempts: number;
  /** Epoch ms before which no new attempt starts (recovery backoff). */
  nextAttemptAt?: number;
  /** Workflow ID of the recovery running now (or being started). */
  recovering?: string;
  /** The procedure it runs (restart-p2p, recover-node). */
  procedure?: string;
  /** Another procedure works on the node (an incident's child, a CLI run): the monitor waits. */
  heldBy?: string;
  lastOutcome?: string;
  /** Set once the episode is escalated; the key resolves it when the node heals. */
  incident?: string;
  /** The kind of miss the escalation was for: a host-down page ends when the host answers at all. */
  escalatedFor?: MissKind;
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

/**
 * A node's recoveries within the flap window, kept across heals and continue-as-new: one
 * answered heartbeat between two crashes must not make a flapping node look new.
 */
export interface FlapWatch {
  /** Epoch ms of each recovery started within the window. */
  starts: number[];
  /** Epoch ms of the node's last missed heartbeat. */
  lastMissAt?: number;
  /** Set while the node is flapping: the monitor escalated and leaves it alone. */
  heldSince?: number;
  /** The flapping episode's notification key. */
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
  /** Many nodes the worker cannot reach while the cluster sees them alive: its own network. */
  workerBlind?: ClusterWatch;
  /** Per node: recoveries within the flap window, and whether it is held as flapping. */
  flaps?: Record<string, FlapWatch>;
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
    /** Nodes the worker cannot reach that the cluster sees alive: shown, never recovered. */
    unreachableFromWorker: string[];
    /** Nodes held as flapping: recoveries in the window, since when; `runbook monitor resume <node>` re-arms. */
    flapping: Array<{ node: string; recoveries: number; since: number }>;
    /** The latest notifications: when, what, and to whom it went. */
    notifications: Array<{ at: string; summary: string; sent: string }>;
    doing: string;
  };
}

export type NotificationRecord = MonitorState['notifications'][number];
