// Activity factory: every activity the runbook workflows call, built over injected deps.
// Workflows import this module as a type only (`import type { RunbookActivities }`).
import { readFileSync } from 'node:fs';
import type { ClusterSpec, HostSpec } from '../src/domain/cluster-spec.js';
import { type HeartbeatSweep, summarizeSweep } from '../src/domain/heartbeat.js';
import type { NotifyInput, NotifyResult } from '../src/domain/notification.js';
import type { LeaderVerdict } from '../src/domain/leader-view.js';
import type { RunbookPolicy } from '../src/domain/policy.js';
import type { AddressSide, NodeProbe, P2pStatus, RoutingCheck, SshResult, SshVia, SyncStatus, TailnetConflict, TailscaleView } from '../src/domain/probes.js';
import { createAdminClient } from './admin.js';
import { recentConfigChanges } from './config-changes.js';
import { createNotifier } from './notify/index.js';
import { type NodeOwner, openProceduresOnNode } from './procedure-owners.js';
import { type ApprovalNotifyResult, createApprovalNotifier } from './notify/approval.js';
import type { ApprovalEvent } from '../src/domain/approval-event.js';
import type { SendPolicy } from './notify/send.js';
import { type ClusterInfo, clusterInfo } from './cluster-roster.js';
import { type AddressChange, addressChanges, sha256 } from './address-changes.js';
import type { PatchResult } from './hosts-file.js';
import { findHost, readCluster } from './transport/node-lookup.js';
import { cancellationSignal, periodicHeartbeat, throwIfCancelled } from './transport/context.js';
import { triggerElection } from './election.js';
import { createAgent, type HttpDispatcher } from './transport/http.js';
import { loadUndici } from './transport/lazy-undici.js';
import { statusOf } from './p2p.js';
import { createLimiter, mapLimit } from './transport/pool.js';
import { probeNodes, SilentLastTime } from './probe.js';
import { createRollCall } from './roll-call.js';
import { routingCheck } from './routing.js';
import { createSshRunner, splitSections } from './ssh.js';
import { statusFromCli, statusFromSocket, toTailscaleView } from './tailscale.js';
import {
  leaderView,
  waitForLeader,
  waitForNode,
  type WaitForNodeInput,
  type WaitForNodeResult,
  watchSync,
  type WatchSyncInput,
  type WatchSyncResult,
} from './wait.js';
import { ConfigInvalidError, SshConnectError } from './errors.js';
import { corroborateSweep, type PeerCheckPlan, runPeerChecks } from './corroborate.js';
import { lookAgain, votersAliveSeenByCluster } from './look-again.js';
import type { FreshLook, PeerCheck } from '../src/domain/corroboration.js';
import { sharedInFlight } from './transport/shared-in-flight.js';

export { NON_RETRYABLE_ERROR_TYPES } from './errors.js';

export interface ActivityDeps {
  /** Current cluster config; re-read by the caller when the hosts file changes. */
  cluster: () => ClusterSpec;
  policy: RunbookPolicy;
  /**
   * RUNBOOK_ADMIN_KEY from the worker's environment, never from workflow input; sent as
   * X-Admin-Key (on curl's stdin over SSH by default); never returned, logged, or in a message.
   */
  adminKey?: string;
  /** The hosts file behind `cluster`, which update-hosts patches (§4.6). */
  hostsFile?: string;
  /** Where notification targets' `url_env` / `routing_key_env` are read (default process.env). */
  notifyEnv?: NodeJS.ProcessEnv;
  /** Temporal Web UI base for links in notifications (default $TEMPORAL_UI_URL). */
  uiUrl?: string;
  /** Tests shorten the notification backoff. */
  notifySendPolicy?: SendPolicy;
}

export type { SshVia, WaitForNodeInput, WaitForNodeResult, WatchSyncInput, WatchSyncResult };

export interface NodeHealth {
  node: string;
  ok: boolean;
  via?: AddressSide;
  sections: Record<string, string>;
  error?: string;
}

/** SSH sessions in flight at once for nodeHealth; SSH handshakes are far heavier than HTTP probes. */
const SSH_CONCURRENCY = 32;
/** node-health output is read whole before it is split and each section capped. */
const NODE_HEALTH_CAP_BYTES = 16 * 1024;
const TAILSCALE_TIMEOUT_MS = 10_000;

export function createActivities(deps: ActivityDeps) {
  const { policy } = deps;
  const cluster = (): ClusterSpec => readCluster(deps.cluster);
  const dispatcher = createAgent(policy.probe);
  // A sweep over every node touches thousands of origins once each: its own agent, dropped
  // afterwards, keeps the worker from holding a connection pool per origin between sweeps.
  const withProbeAgent = async <T>(fn: (agent: HttpDispatcher) => Promise<T>): Promise<T> => {
    const agent = createAgent(policy.probe);
    try {
      return await fn(agent);
    } finally {
      await agent.destroy();
    }
  };
  // One probe limit for the whole worker: diagnose runs its batches side by side. Every sweep
  // remembers which nodes were dark, and the next one starts those first (SilentLastTime); the
  // roll call moves up the nodes silent now (roll-call.ts), with one limit of its own.
  const sweepSlots = { limiter: createLimiter(policy.probe.concurrency), silentLastTime: new SilentLastTime(), rollCall: createRollCall(policy.probe) };
  // §6.1: procedures that ask at the same time share one sweep (activities/transport/shared-in-flight.ts).
  const measureReachability = sharedInFlight(
    async (signal) => {
      const spec = cluster();
      const names = spec.hosts.map((h) => h.name);
      const probes = await withProbeAgent((agent) => probeNodes(spec, names, policy.probe, agent, { ...sweepSlots, detached: { cancel: signal } }));
      const unreachable = probes.filter((p) => !p.checks.p2p.ok && !p.checks.http.ok && !p.checks.ssh.ok).length;
      return { total: probes.length, unreachable };
    },
  );
  const fetchOpts = (signal: AbortSignal) => ({ dispatcher, totalTimeoutMs: policy.probe.totalTimeoutMs, signal });
  const ssh = createSshRunner(cluster);
  const admin = createAdminClient({
    cluster,
    adminKey: deps.adminKey,
    ssh,
    dispatcher,
    timeoutMs: policy.probe.totalTimeoutMs,
    connectTimeoutMs: policy.probe.connectTimeoutMs,
  });
  const status = (host: Parameters<typeof statusOf>[0], signal: AbortSignal) => statusOf(host, fetchOpts(signal));
  // A handful of nodes (one and the leader sources): no roll call, no silent-first memory.
  const lookDeps = () => {
    const spec = cluster();
    return { spec, ssh, probe: (names: string[]) => withProbeAgent((agent) => probeNodes(spec, names, policy.probe, agent, { limiter: sweepSlots.limiter })) };
  };

  const tailscaleView = async (): Promise<TailscaleView> => {
    const spec = cluster();
    const signal = cancellationSignal();
    const doc =
      'socket' in spec.tailscale
        ? await statusFromSocket(spec.tailscale.socket, TAILSCALE_TIMEOUT_MS, signal)
        : await statusFromCli(spec.tailscale.cli, TAILSCALE_TIMEOUT_MS, signal);
    return toTailscaleView(doc, spec);
  };
  const hostsFile = (): string => {
    if (!deps.hostsFile) throw new ConfigInvalidError('the worker was started without a hosts file path');
    return deps.hostsFile;
  };

  const uiUrl = deps.uiUrl ?? process.env['TEMPORAL_UI_URL'];
  const notifier = createNotifier({
    targets: policy.notifications,
    ...(deps.notifyEnv !== undefined && { env: deps.notifyEnv }),
    ...(uiUrl !== undefined && { uiUrl }),
    ...(deps.notifySendPolicy !== undefined && { sendPolicy: deps.notifySendPolicy }),
  });

  const approvalNotifier = createApprovalNotifier({
    targets: policy.notifications,
    ...(deps.notifyEnv !== undefined && { env: deps.notifyEnv }),
    ...(uiUrl !== undefined && { uiUrl }),
    ...(deps.notifySendPolicy !== undefined && { sendPolicy: deps.notifySendPolicy }),
  });

  return undiciBeforeClocks({
    /**
     * §5.2 one heartbeat: every node probed (the diagnose probes), reduced to the misses and the
     * majority leader; sync status too when `withSync` (the admin API is asked less often).
     */
    async heartbeatSweep(input: { withSync?: boolean } = {}): Promise<HeartbeatSweep> {
      const spec = cluster();
      const [probes, sync] = await Promise.all([
        // §11: the nodes the worker cannot reach are checked from a healthy peer before they count
        // as misses; a healthy sweep plans no check and costs nothing more.
        withProbeAgent((agent) => probeNodes(spec, spec.hosts.map((h) => h.name), policy.probe, agent, sweepSlots)).then(async (p) => ({
          probes: p,
          checks: await corroborateSweep(p, ssh),
        })),
        input.withSync
          ? admin.syncStatus(cancellationSignal()).then(
              (s) => ({ stalled: s.stalled, inProgress: s.inProgress, progress: s.progress }),
              (err: unknown) => ({ error: err instanceof Error ? err.message.slice(0, 200) : 'error' }),
            )
          : undefined,
      ]);
      return { ...summarizeSweep(probes.probes, probes.checks), ...(sync !== undefined && { sync }) };
    },

    /** §6 tell people: every configured target, each retried on its own; outcomes, never secrets. */
    async notify(input: NotifyInput): Promise<NotifyResult> {
      return notifier(input);
    },

    /** DESIGN §11 one owner per node: the procedures open on a node now (visibility query). */
    async openProceduresOnNode(input: { node: string }): Promise<NodeOwner[]> {
      return openProceduresOnNode(deps.cluster, input);
    },

    /** DESIGN §12: a gate waits, or was decided or timed out: every target that takes approval events. */
    async notifyApproval(input: ApprovalEvent): Promise<ApprovalNotifyResult> {
      return approvalNotifier(input);
    },

    /** §6.2 item 4: the hosts file's recent backups and what each changed (newest first, bounded). */
    async recentConfigChanges(input: { limit?: number } = {}): Promise<Array<{ backup: string; at: string; diff: string[] }>> {
      return deps.hostsFile ? recentConfigChanges(deps.hostsFile, input.limit ?? 3) : [];
    },

    /** Names, roles and providers of the configured nodes, for planning in workflows. */
    async clusterInfo(_input: Record<string, never> = {}): Promise<ClusterInfo> {
      return clusterInfo(cluster());
    },

    /** §6.1 guard: how many nodes answer on no address (counts only, so history stays small). */
    async reachability(_input: Record<string, never> = {}): Promise<{ total: number; unreachable: number }> {
      // A caller that joined another's sweep beats too, so its heartbeat timeout does not run out.
      const hb = periodicHeartbeat(() => ({ measuring: 'cluster reachability' }));
      try {
        return await measureReachability(cancellationSignal());
      } finally {
        hb.stop();
      }
    },

    /**
     * §4.6 addresses Tailscale reports that differ from the hosts file, with the file's hash, and
     * the nodes that several tailnet devices claim (never changed; update-hosts escalates them).
     */
    async detectAddressChanges(
      _input: Record<string, never> = {},
    ): Promise<{ file: string; sha256: string; changes: AddressChange[]; conflicts?: TailnetConflict[] }> {
      const file = hostsFile();
      const text = readFileSync(file, 'utf8');
      const view = await tailscaleView();
      return {
        file,
        sha256: sha256(text),
        changes: addressChanges(cluster(), view),
        ...(view.conflicts !== undefined && { conflicts: view.conflicts }),
      };
    },

    /** §4.6 atomic write of the patched hosts file: validated before the rename, backup kept, mode kept. */
    async applyHostsPatch(input: { changes: AddressChange[]; expectedSha256: string }): Promise<PatchResult> {
      // Loaded on use: the patch needs the `yaml` package, which the worker's start does not (faster start).
      const { applyPatch } = await import('./hosts-file.js');
      return applyPatch(hostsFile(), input.changes, input.expectedSha256, new Date());
    },

    /** §3.1/§3.2 P2P /status, HTTP /health and SSH banner of each node; unreachable nodes are results. */
    /**
     * `routeSilent`: run §3.4 routingChecks, during their timeout wait, on up to this many nodes
     * of the batch that stay silent (diagnose; see SilentRouting). Absent or 0: none.
     */
    async probeNodes(input: { nodes: string[]; routeSilent?: number }): Promise<NodeProbe[]> {
      const routing = input.routeSilent
        ? { budget: input.routeSilent, check: (h: HostSpec, s: AbortSignal) => routingCheck(h, policy.probe.connectTimeoutMs, s) }
        : undefined;
      return withProbeAgent((agent) => probeNodes(cluster(), input.nodes, policy.probe, agent, { ...sweepSlots, ...(routing && { routing }) }));
    },

    /**
     * §6.3/§11 from healthy peers: does another node reach each suspect's P2P and SSH ports?
     * The workflow plans which suspects and peers (src/domain/corroboration.ts), at most a few.
     */
    async peerChecks(input: { checks: PeerCheckPlan[] }): Promise<PeerCheck[]> {
      const hb = periodicHeartbeat(() => ({ checking: input.checks.length }));
      try {
        return await runPeerChecks(input.checks, ssh);
      } finally {
        hb.stop();
      }
    },

    /** §11 right before a change: the node as the cluster sees it now (healthy, down, or only the worker's blind spot). */
    async lookAgain(input: { node: string }): Promise<FreshLook> {
      return lookAgain(input.node, lookDeps());
    },

    /** §4.3 quorum guard: voters alive as the cluster sees them (a voter only the worker cannot see counts as alive). */
    async votersAliveSeenByCluster(input: { voters: string[] }): Promise<{ alive: string[]; fromPeers: string[] }> {
      return votersAliveSeenByCluster(input.voters, lookDeps());
    },

    /** §3.3 Tailscale's view of the config nodes (LocalAPI socket, else the CLI). */
    async tailscaleStatus(_input: Record<string, never> = {}): Promise<TailscaleView> {
      return tailscaleView();
    },

    /** One catalogued SSH step on one node; non-zero exit is a result. */
    async sshRun(input: { node: string; step: string; via?: SshVia }): Promise<SshResult> {
      return ssh.run(input);
    },

    /** §3.5 drill-down: `node-health` on each node, split into its `=== X ===` sections. */
    async nodeHealth(input: { nodes: string[] }): Promise<NodeHealth[]> {
      const signal = cancellationSignal();
      const results = await mapLimit(
        input.nodes,
        Math.min(policy.probe.concurrency, SSH_CONCURRENCY),
        async (node): Promise<NodeHealth> => {
          try {
            const r = await ssh.run({ node, step: 'node-health' }, NODE_HEALTH_CAP_BYTES);
            return { node, ok: true, via: r.via, sections: splitSections(r.stdout) };
          } catch (err) {
            throwIfCancelled(signal);
            // A missing key or known_hosts file fails every node alike: that is the batch's error.
            if (err instanceof ConfigInvalidError) throw err;
            const error = err instanceof SshConnectError ? err.reason : err instanceof Error ? err.name : 'error';
            return { node, ok: false, sections: {}, error };
          }
        },
        signal,
      );
      throwIfCancelled(signal);
      return results;
    },

    /** §3.4 DNS, TCP reachability of the P2P and SSH ports, traceroute when installed. */
    async routingChecks(input: { nodes: string[] }): Promise<RoutingCheck[]> {
      const spec = cluster();
      const signal = cancellationSignal();
      const hosts = input.nodes.map((n) => findHost(spec, n));
      const results = await mapLimit(hosts, policy.probe.concurrency, (h) => routingCheck(h, policy.probe.connectTimeoutMs, signal), signal);
      throwIfCancelled(signal);
      return results;
    },

    /** One node's §3.1 /status, primary then fallback. */
    async p2pStatus(input: { node: string }): Promise<{ ok: boolean; status?: P2pStatus; via?: AddressSide; error?: string }> {
      const host = findHost(cluster(), input.node);
      const signal = cancellationSignal();
      const r = await status(host, signal);
      throwIfCancelled(signal);
      return r;
    },

    /** §4.3 whether there is a leader: the majority view of the backbone and the voters. */
    async leaderView(_input: Record<string, never> = {}): Promise<LeaderVerdict> {
      const signal = cancellationSignal();
      const verdict = await leaderView(cluster(), status, signal);
      throwIfCancelled(signal);
      return verdict;
    },

    /** §4.3 POST /admin/trigger-election on the node's P2P port, once, to the address that answers. */
    async triggerElection(input: { node: string }): Promise<{ accepted: boolean; httpStatus: number; via: AddressSide }> {
      const host = findHost(cluster(), input.node);
      return triggerElection(host, { dispatcher, timeoutMs: policy.probe.totalTimeoutMs, signal: cancellationSignal() });
    },

    /** §4.4 sync status from the coordinator's admin API. */
    async syncStatus(_input: Record<string, never> = {}): Promise<SyncStatus> {
      return admin.syncStatus(cancellationSignal());
    },

    /** §4.4 trigger a sync of the given categories (all when empty). */
    async triggerSync(input: { categories: string[] }): Promise<{ accepted: boolean }> {
      return admin.triggerSync(input.categories, cancellationSignal());
    },

    /** Polls the node's /status until healthy or rejoined; reached:false at the deadline. */
    async waitForNode(input: WaitForNodeInput): Promise<WaitForNodeResult> {
      return waitForNode(cluster, input, status);
    },

    /** Polls the backbone and the voters until a majority of those answering report one leader. */
    async waitForLeader(input: { timeoutMs: number; intervalMs: number }): Promise<{ leader: string | null; polls: number }> {
      return waitForLeader(cluster, input, status);
    },

    /**
     * Polls sync status until complete, stalled (no progress for stallMs while the API answers, or
     * the API says so), admin-unreachable (no answer for unreachableMs) or timeout. One admin
     * session (one SSH connection) for the whole watch.
     */
    async watchSync(input: WatchSyncInput): Promise<WatchSyncResult> {
      const session = admin.session();
      try {
        return await watchSync(input, (signal) => session.syncStatus(signal));
      } finally {
        session.close();
      }
    },
  });
}

/**
 * undici loads on first use (transport/lazy-undici.ts), not at worker start. Every activity
 * awaits it before it does anything, so the first one a worker runs pays the import before any
 * probe deadline or timeout of ours starts: a first probe never times out on a module load.
 */
function undiciBeforeClocks<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped = Object.entries(activities).map(([name, fn]) => [
    name,
    async (...args: never[]) => {
      await loadUndici();
      return fn(...args);
    },
  ]);
  return Object.fromEntries(wrapped) as T;
}

export type RunbookActivities = ReturnType<typeof createActivities>;
