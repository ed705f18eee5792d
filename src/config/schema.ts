// zod schemas for config/distributed_hosts.yaml and config/runbook.yaml (DESIGN §3).
// The seed's own file must load unchanged, so every extension is optional with a default.
import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_ALERT_ROUTES, INCIDENT_DEFAULTS, ROUTABLE_PROCEDURES } from '../domain/alert-routing.js';
import { adminUrlProblem } from '../domain/cluster-spec.js';
import { NOTIFY_EVENTS } from '../domain/approval-event.js';
import { POLICY_DEFAULTS } from '../domain/defaults.js';
import { APPROVAL_MODES } from '../domain/policy.js';

const NODE_NAME = /^[A-Za-z0-9._-]+$/;
// RFC 1123 hostname: the seed's §4.3 loop uses node names as SSH targets, so names resolve too.
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const nodeName = z
  .string()
  .regex(NODE_NAME, 'node names may only contain letters, digits, ".", "_" and "-"');

export const address = z.string().refine((s) => isIP(s) !== 0 || (HOSTNAME.test(s) && !/^[0-9.]+$/.test(s)), {
  message: 'expected an IPv4/IPv6 address or a hostname',
});

export const port = z.number().int().min(1).max(65535);

const portsOverride = z
  .object({ ssh: port, http_api: port, p2p: port, admin: port })
  .partial()
  .strict();

export const providerName = z.enum(['lambda', 'runpod', 'vast', 'nebius', 'vultr', 'unknown']);

export const hostSchema = z
  .object({
    name: nodeName,
    host: address,
    fallback_host: address.optional(),
    /** The seed's `port` is the SSH port (§5.4 `port: 22`). */
    port: port.optional(),
    tailscale_ip: address.optional(),
    provider: providerName.optional(),
    ports: portsOverride.optional(),
  })
  .strict();

/**
 * §4.4 admin API access. The X-Admin-Key must never cross a network in clear text, so only
 * three ways exist: `ssh` (the default; curl on the coordinator's loopback, the key on stdin),
 * `https` (TLS to a named URL) and `tailscale` (a 100.64.0.0/10 address, WireGuard-encrypted).
 */
const adminApiSchema = z.discriminatedUnion('transport', [
  z.object({ transport: z.literal('ssh') }).strict(),
  z.object({ transport: z.literal('https'), url: z.string().min(1) }).strict(),
  z.object({ transport: z.literal('tailscale'), url: z.string().min(1) }).strict(),
]);

export const hostsFileSchema = z
  .object({
    hosts: z.array(hostSchema).min(1, 'at least one host is required'),
    voter_nodes: z.array(nodeName).default([]),
    ssh: z
      .object({
        user: z.string().min(1).default('ubuntu'),
        key_path: z.string().min(1).default('~/.ssh/id_cluster'),
        known_hosts: z.string().min(1).default('~/.ssh/known_hosts'),
        connect_timeout_s: z.number().positive().max(120).default(5),
      })
      .strict()
      .default({}),
    ports: z
      .object({
        ssh: port.default(22),
        http_api: port.default(8765),
        p2p: port.default(8770),
        admin: port.default(8001),
      })
      .strict()
      .default({}),
    service_dir: z.string().min(1).default('~/ringrift/ai-service'),
    backbone: nodeName.optional(),
    coordinator: nodeName.optional(),
    tailscale: z
      .union([z.object({ socket: z.string().min(1) }).strict(), z.object({ cli: z.string().min(1) }).strict()])
      .default({ cli: 'tailscale' }),
    admin_api: adminApiSchema.default({ transport: 'ssh' }),
  })
  .strict()
  .superRefine((file, ctx) => {
    if (file.admin_api.transport !== 'ssh') {
      const problem = adminUrlProblem(file.admin_api.transport, file.admin_api.url);
      if (problem !== undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['admin_api', 'url'], message: `refused: ${problem}` });
      }
    }
    const seen = new Map<string, number>();
    file.hosts.forEach((h, i) => {
      const first = seen.get(h.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['hosts', i, 'name'],
          message: `duplicate node name "${h.name}" (first defined at hosts[${first}])`,
        });
      } else {
        seen.set(h.name, i);
      }
    });
    file.voter_nodes.forEach((v, i) => {
      if (!seen.has(v)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['voter_nodes', i],
          message: `voter "${v}" is not one of the hosts`,
        });
      }
    });
    for (const key of ['backbone', 'coordinator'] as const) {
      const v = file[key];
      if (v !== undefined && !seen.has(v)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `${key} "${v}" is not one of the hosts` });
      }
    }
  });

export type HostsFile = z.infer<typeof hostsFileSchema>;

const approvalMode = z.enum(APPROVAL_MODES);

// The YAML speaks seconds and minutes; the defaults (one source, src/domain/defaults.ts) are in ms.
const D = POLICY_DEFAULTS;
const seconds = (ms: number): number => ms / 1000;
const minutes = (ms: number): number => ms / 60_000;

/** An environment variable's name (the value itself never enters config, input or history). */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name ([A-Za-z_][A-Za-z0-9_]*)');
const targetName = z.string().regex(/^[A-Za-z0-9._#@-]{1,64}$/, 'a short label: letters, digits and ._#@- (at most 64)');

/**
 * §6 notification targets (DESIGN §9). Secret-bearing URLs and routing keys are named by the
 * environment variable that holds them, so they are never in a file, a workflow input or history.
 */
/** DESIGN §12 `events:`; absent means the kind's default (approval-event.ts). */
const events = z
  .array(z.enum(NOTIFY_EVENTS, { errorMap: () => ({ message: `an event is one of ${NOTIFY_EVENTS.join(', ')}` }) }))
  .min(1, `list at least one of ${NOTIFY_EVENTS.join(', ')} (or leave events out for the default)`)
  .optional();

export const notificationTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('log'), name: targetName.optional(), events }).strict(),
  z
    .object({
      kind: z.literal('webhook'),
      name: targetName.optional(),
      /** Kept for old files: a URL without secrets in it. Prefer url_env. */
      url: z.string().url().optional(),
      url_env: envName.optional(),
      /** The HMAC-SHA256 key of X-Runbook-Signature, by environment variable name. */
      secret_env: envName.optional(),
      events,
    })
    .strict(),
  z.object({ kind: z.literal('slack'), name: targetName.optional(), url_env: envName, events }).strict(),
  z
    .object({
      kind: z.literal('pagerduty'),
      name: targetName.optional(),
      routing_key_env: envName,
      /** Events API v2 endpoint; the EU service or a test receiver may differ. */
      url: z.string().url().default('https://events.pagerduty.com/v2/enqueue'),
      events,
    })
    .strict(),
])
  .superRefine((n, ctx) => {
    if (n.kind === 'webhook' && (n.url === undefined) === (n.url_env === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['url_env'], message: 'a webhook target needs url_env (or url), not both' });
    }
    // A page is not a question: an approval sent to PagerDuty would wake someone with no way to answer.
    if (n.kind === 'pagerduty' && n.events?.includes('approval')) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['events'],
        message: 'pagerduty takes escalation and resolved only; send approvals to a slack or webhook target',
      });
    }
  });

/** A Slack user ID (U… or W… for Enterprise Grid), as Slack shows it under "Copy member ID". */
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'a Slack user ID like U0123ABCD (profile → ⋯ → Copy member ID), not a name');
const approverList = z.array(slackUserId).max(200).default([]);
const minApprovers = z.number().int().min(1, 'at least 1').max(5, 'at most 5');

// Alertmanager label names (Prometheus data model): the node label must be one.
const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a Prometheus label name ([A-Za-z_][A-Za-z0-9_]*)');

/** §8 one alert's route; a name the defaults know inherits what it leaves out. */
export const alertRouteSchema = z
  .object({
    procedure: z.enum(ROUTABLE_PROCEDURES),
    node_label: labelName.optional(),
    labels: z.array(labelName).max(32).optional(),
    mode: z.enum(['remediate', 'escalate-only']).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.mode === 'escalate-only' && r.procedure !== 'connectivity-incident') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['mode'], message: 'escalate-only applies to procedure connectivity-incident only' });
    }
  });

/** Defaults of §8 for the runbook's five alerts, overridden or extended by `alerts:`. */
export function alertRoutes(configured: Record<string, z.infer<typeof alertRouteSchema>>): Record<string, (typeof DEFAULT_ALERT_ROUTES)[string]> {
  const routes = { ...DEFAULT_ALERT_ROUTES };
  for (const [name, r] of Object.entries(configured)) {
    const base = DEFAULT_ALERT_ROUTES[name];
    routes[name] = {
      procedure: r.procedure,
      nodeLabel: r.node_label ?? base?.nodeLabel ?? 'node',
      labels: r.labels ?? base?.labels ?? [],
      mode: r.mode ?? (base?.procedure === r.procedure ? base.mode : 'remediate'),
    };
  }
  return routes;
}

export const runbookPolicySchema = z
  .object({
    heartbeat_interval_s: z.number().positive().default(seconds(D.heartbeatIntervalMs)),
    failure_threshold: z.number().int().min(1).default(D.failureThreshold),
    recovery_backoff_s: z.number().nonnegative().default(seconds(D.recoveryBackoffMs)),
    escalation: z
      .object({
        unreachable_fraction: z.number().gt(0).max(1).default(D.escalation.unreachableFraction),
        leaderless_minutes: z.number().positive().default(minutes(D.escalation.leaderlessMs)),
        sync_stall_minutes: z.number().positive().default(minutes(D.escalation.syncStallMs)),
      })
      .strict()
      .default({}),
    approval: z
      .object({
        timeout_minutes: z.number().positive().default(minutes(D.approval.timeoutMs)),
        modes: z
          .object({ low: approvalMode.default(D.approval.modes.low), high: approvalMode.default(D.approval.modes.high) })
          .strict()
          .default({}),
        /** Approvals from different people a step needs, per risk. */
        min_approvers: z
          .object({ low: minApprovers.default(D.approval.minApprovers?.low ?? 1), high: minApprovers.default(D.approval.minApprovers?.high ?? 1) })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    probe: z
      .object({
        connect_timeout_s: z.number().positive().max(60).default(seconds(D.probe.connectTimeoutMs)),
        total_timeout_s: z.number().positive().max(120).default(seconds(D.probe.totalTimeoutMs)),
        batch_size: z.number().int().min(1).max(5000).default(D.probe.batchSize),
        concurrency: z.number().int().min(1).max(4096).default(D.probe.concurrency),
      })
      .strict()
      .default({}),
    max_nodes_remediated: z.number().int().min(1).default(D.maxNodesRemediated),
    /** §5.2–5.3 the health monitor (workflow `runbook-health-monitor`). */
    monitor: z
      .object({
        // Off by default: a monitor that restarts daemons on its own is a choice an operator
        // makes for a cluster, not something `runbook dev` should do to whatever it points at.
        enabled: z.boolean().default(D.monitor.enabled),
        max_recovery_attempts: z.number().int().min(1).default(D.monitor.maxRecoveryAttempts),
        /** Start force-election / repair-sync on their own (else only track and escalate). */
        remediate_cluster: z.boolean().default(D.monitor.remediateCluster),
        /** More than max_recovery_attempts recoveries of a node within this window: flapping. */
        flap_window_minutes: z.number().positive().default(minutes(D.monitor.flapWindowMs)),
      })
      .strict()
      .default({}),
    notifications: z.array(notificationTarget).default(() => [{ kind: 'log' as const }]),
    /** Slack user IDs allowed to decide from Slack, per risk (DESIGN §12). */
    approvers: z.object({ low: approverList, high: approverList }).strict().default({}),
    alerts: z.record(z.string().min(1), alertRouteSchema).default({}),
    incident: z
      .object({
        max_rounds: z.number().int().min(1).max(20).default(INCIDENT_DEFAULTS.maxRounds),
        resolve_wait_minutes: z.number().nonnegative().default(INCIDENT_DEFAULTS.resolveWaitMs / 60_000),
      })
      .strict()
      .default({}),
  })
  .strict();

export type RunbookPolicyFile = z.infer<typeof runbookPolicySchema>;
