// The one-line summary each activity carries in the workflow history (its user metadata), so
// the Web UI's timeline reads like the runbook: "§4.1 stop p2p daemon on lambda-h100-7".
// Pure: workflows/runtime/activities.ts calls it as it schedules each activity.
import type { SshStep } from './ssh-catalog.js';

/** What the caller knows when it schedules the activity. */
export interface SummaryContext {
  /** The procedure's step that runs the activity (ProcedureRun.step), when there is one. */
  step?: string;
  /** The run's own node (`--node`): named on cluster-wide activities so every line says whose run it is. */
  runNode?: string;
}

/** Runbook section and plain words for each activity, used when no procedure step names it. */
const ACTIVITIES: Record<string, { section: string; words: string }> = {
  probeNodes: { section: '§3.2', words: 'probe P2P, HTTP and SSH' },
  p2pStatus: { section: '§3.1', words: 'read P2P status' },
  tailscaleStatus: { section: '§3.3', words: 'read Tailscale status' },
  routingChecks: { section: '§3.4', words: 'check routing, ports and DNS' },
  nodeHealth: { section: '§3.5', words: 'check node health over SSH' },
  clusterInfo: { section: '§9', words: 'read the cluster roster and voters' },
  leaderView: { section: '§4.3', words: 'ask every node who leads' },
  triggerElection: { section: '§4.3', words: 'trigger a leader election' },
  waitForLeader: { section: '§4.3', words: 'wait for a leader' },
  syncStatus: { section: '§4.4', words: 'read data sync status' },
  triggerSync: { section: '§4.4', words: 'trigger data sync' },
  watchSync: { section: '§4.4', words: 'watch data sync progress' },
  waitForNode: { section: '§4.1', words: 'poll /status' },
  detectAddressChanges: { section: '§4.6', words: 'detect changed addresses' },
  applyHostsPatch: { section: '§4.6', words: 'write the hosts file' },
  heartbeatSweep: { section: '§5.3', words: 'heartbeat every node' },
  openProceduresOnNode: { section: '§5.2', words: 'ask which procedures work' },
  reachability: { section: '§6.1', words: 'measure how much of the cluster is unreachable' },
  recentConfigChanges: { section: '§6.2', words: 'read recent config changes' },
  notify: { section: '§6.3', words: 'notify on-call' },
  notifyApproval: { section: '§6.3', words: 'tell approvers a step waits or was decided' },
  peerChecks: { section: '§6.3', words: 'check unreachable nodes from healthy peers' },
  lookAgain: { section: '§11', words: 'look at the node again before changing it' },
  votersAliveSeenByCluster: { section: '§4.3', words: 'count the voters alive as the cluster sees them' },
};

/** The runbook section and words of each catalogued SSH command (src/domain/ssh-catalog.ts). */
const SSH_STEPS: Record<SshStep, { section: string; words: string }> = {
  'echo-ok': { section: '§3.2', words: 'test SSH' },
  'node-health': { section: '§3.5', words: 'check node health' },
  'p2p-stop': { section: '§4.1', words: 'stop p2p daemon' },
  'p2p-start': { section: '§4.1', words: 'start p2p daemon' },
  'p2p-local-status': { section: '§4.1', words: 'check p2p status locally' },
  'tailscale-down': { section: '§4.2', words: 'tailscale down' },
  'tailscale-up': { section: '§4.2', words: 'tailscale up' },
  'tailscale-restart-detached': { section: '§4.2', words: 'restart tailscale' },
  'tailscale-status': { section: '§4.2', words: 'read tailscale status' },
  'networkd-restart': { section: '§4.5', words: 'restart systemd-networkd' },
  'reach-backbone': { section: '§4.5', words: 'check reachability of the backbone' },
  'force-full-sync': { section: '§4.4', words: 'force full resync' },
  'peer-check': { section: '§6.3', words: 'check the node from a peer' },
};

/** Nodes named in full up to this many; beyond, a count. */
const NAMED_NODES = 3;
/** Temporal shows one line; a longer one is cut. */
const MAX_LENGTH = 200;

/**
 * "§<section> <what> <where>": the section and words of the SSH command or activity, the
 * procedure's step name when one is known, and the node(s) it acts on, or "cluster-wide" with
 * the run's node.
 */
export function activitySummary(activity: string, input: unknown, ctx: SummaryContext = {}): string {
  const args = (typeof input === 'object' && input !== null ? input : {}) as { node?: unknown; nodes?: unknown; step?: unknown; until?: unknown };
  const ssh = typeof args.step === 'string' && Object.hasOwn(SSH_STEPS, args.step) ? SSH_STEPS[args.step as SshStep] : undefined;
  const known = ssh ?? ACTIVITIES[activity] ?? { section: '§', words: activity };
  let words = ctx.step ?? known.words;
  if (ctx.step === undefined && activity === 'waitForNode' && typeof args.until === 'string') words = `${words} until ${args.until}`;
  // The step name may be the procedure's own ("wait until p2p healthy"); the SSH command it ran
  // is named too when it says something different.
  if (ctx.step !== undefined && ssh !== undefined && ssh.words !== ctx.step) words = `${words} (${args.step as string})`;
  const line = `${known.section} ${words} ${where(args, ctx.runNode)}`;
  return line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH - 1)}…` : line;
}

function where(args: { node?: unknown; nodes?: unknown }, runNode: string | undefined): string {
  if (typeof args.node === 'string') return `on ${args.node}`;
  if (Array.isArray(args.nodes) && args.nodes.length > 0) {
    const nodes = args.nodes.map(String);
    if (nodes.length === 1) return `on ${nodes[0]}`;
    const named = nodes.slice(0, NAMED_NODES).join(', ');
    return `on ${nodes.length} nodes: ${named}${nodes.length > NAMED_NODES ? ', …' : ''}`;
  }
  return runNode !== undefined ? `(cluster-wide, for ${runNode})` : '(cluster-wide)';
}
