// Reads, parses and validates the two config files. Every problem becomes a ConfigProblem that
// names the file, the YAML path and the line; nothing is returned half-valid.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import yaml from 'js-yaml';
import type { z } from 'zod';
import { type ClusterSpec, type HostSpec, inferProvider } from '../domain/cluster-spec.js';
import { capNodeText } from '../domain/node-text.js';
import type { NotificationTarget, RunbookPolicy } from '../domain/policy.js';
import { DEFAULT_HOSTS_FILE, DEFAULT_POLICY_FILE } from './default-files.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { alertRoutes, hostsFileSchema, type notificationTarget, runbookPolicySchema } from './schema.js';
import { suggest } from './suggest.js';
import { yamlLineLocator } from './yaml-locate.js';

export { DEFAULT_HOSTS_FILE, DEFAULT_POLICY_FILE };

/** Keys and messages can quote hostile values (a 100 KB key, an enum error echoing the value). */
const MAX_PROBLEM_TEXT = 200;

function formatPath(path: ReadonlyArray<string | number>): string {
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  return capNodeText(text, MAX_PROBLEM_TEXT);
}

function readYaml(file: string): { source: string; doc: unknown } {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err);
    throw new ConfigError(file, [{ path: '', message: reason }], { cause: err });
  }
  try {
    return { source, doc: yaml.load(source, { filename: file, schema: yaml.CORE_SCHEMA }) };
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      throw new ConfigError(file, [{ path: '', line: err.mark.line + 1, message: `YAML syntax error: ${err.reason}` }], {
        cause: err,
      });
    }
    throw err;
  }
}

/** Turns zod issues into problems with lines; unknown keys get one problem each with a hint. */
function toProblems(source: string, issues: z.ZodIssue[], shapeKeysAt: (path: (string | number)[]) => string[]): ConfigProblem[] {
  const lineOf = yamlLineLocator(source);
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        const hint = suggest(key, shapeKeysAt(issue.path));
        return {
          path: formatPath(path),
          line: lineOf(path),
          message: `unknown key "${capNodeText(key, MAX_PROBLEM_TEXT)}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        };
      });
    }
    const message =
      issue.code === 'invalid_type' && issue.received === 'undefined' ? 'required field is missing' : issue.message;
    return [{ path: formatPath(issue.path), line: lineOf(issue.path), message: capNodeText(message, MAX_PROBLEM_TEXT) }];
  });
}

function parseWith<S extends z.ZodTypeAny>(file: string, schema: S, keysAt: (path: (string | number)[]) => string[]): z.output<S> {
  const { source, doc } = readYaml(file);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(file, [{ path: '', line: 1, message: 'expected a mapping at the top level' }]);
  }
  const parsed = schema.safeParse(doc);
  if (!parsed.success) {
    // Reported in file order, the way an editor walks them.
    const problems = toProblems(source, parsed.error.issues, keysAt).sort(
      (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity),
    );
    throw new ConfigError(file, problems);
  }
  return parsed.data as z.output<S>;
}

// Known keys per YAML path for "did you mean". Kept beside the schema's shape on purpose.
const HOSTS_KEYS: Record<string, string[]> = {
  '': ['hosts', 'voter_nodes', 'ssh', 'ports', 'service_dir', 'backbone', 'coordinator', 'tailscale', 'admin_api'],
  host: ['name', 'host', 'fallback_host', 'port', 'tailscale_ip', 'provider', 'ports'],
  ssh: ['user', 'key_path', 'known_hosts', 'connect_timeout_s'],
  ports: ['ssh', 'http_api', 'p2p', 'admin'],
  tailscale: ['socket', 'cli'],
  admin_api: ['transport', 'url'],
};

function hostsKeysAt(path: (string | number)[]): string[] {
  if (path.length === 0) return HOSTS_KEYS['']!;
  if (path[0] === 'hosts' && path.length === 2) return HOSTS_KEYS['host']!;
  const last = path[path.length - 1];
  return typeof last === 'string' ? (HOSTS_KEYS[last] ?? []) : [];
}

const POLICY_KEYS: Record<string, string[]> = {
  '': [
    'heartbeat_interval_s',
    'failure_threshold',
    'recovery_backoff_s',
    'escalation',
    'approval',
    'probe',
    'max_nodes_remediated',
    'monitor',
    'notifications',
    'approvers',
    'alerts',
    'incident',
  ],
  monitor: ['enabled', 'max_recovery_attempts', 'remediate_cluster', 'flap_window_minutes'],
  incident: ['max_rounds', 'resolve_wait_minutes'],
  escalation: ['unreachable_fraction', 'leaderless_minutes', 'sync_stall_minutes'],
  approval: ['timeout_minutes', 'modes', 'min_approvers'],
  modes: ['low', 'high'],
  min_approvers: ['low', 'high'],
  approvers: ['low', 'high'],
  probe: ['connect_timeout_s', 'total_timeout_s', 'batch_size', 'concurrency'],
};

function policyKeysAt(path: (string | number)[]): string[] {
  if (path.length === 0) return POLICY_KEYS['']!;
  const last = path[path.length - 1];
  if (path[0] === 'notifications') return ['kind', 'name', 'url', 'url_env', 'routing_key_env', 'secret_env', 'events'];
  if (path[0] === 'alerts' && path.length === 2) return ['procedure', 'node_label', 'labels', 'mode'];
  return typeof last === 'string' ? (POLICY_KEYS[last] ?? []) : [];
}

/** `~/x` is the user's home; relative paths are relative to the config file's directory. */
function resolvePath(p: string, baseDir: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return resolve(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

/** Loads and validates distributed_hosts.yaml, applying every default. */
export function loadCluster(file: string = DEFAULT_HOSTS_FILE): ClusterSpec {
  const parsed = parseWith(file, hostsFileSchema, hostsKeysAt);
  const baseDir = dirname(resolve(file));
  const hosts: HostSpec[] = parsed.hosts.map((h) => ({
    name: h.name,
    host: h.host,
    ...(h.fallback_host !== undefined && { fallback_host: h.fallback_host }),
    ...(h.tailscale_ip !== undefined && { tailscale_ip: h.tailscale_ip }),
    provider: h.provider ?? inferProvider(h.host),
    ports: { ...parsed.ports, ...(h.port !== undefined && { ssh: h.port }), ...h.ports },
  }));
  const backbone = parsed.backbone ?? parsed.voter_nodes[0] ?? hosts[0]!.name;
  return {
    hosts,
    voter_nodes: parsed.voter_nodes,
    ssh: {
      ...parsed.ssh,
      key_path: resolvePath(parsed.ssh.key_path, baseDir),
      known_hosts: resolvePath(parsed.ssh.known_hosts, baseDir),
    },
    service_dir: parsed.service_dir,
    backbone,
    coordinator: parsed.coordinator ?? backbone,
    tailscale: 'socket' in parsed.tailscale ? { socket: resolvePath(parsed.tailscale.socket, baseDir) } : parsed.tailscale,
    admin_api: parsed.admin_api,
  };
}

/** Loads and validates runbook.yaml. */
export function loadPolicy(file: string = DEFAULT_POLICY_FILE): RunbookPolicy {
  return loadPolicyFromParsed(parseWith(file, runbookPolicySchema, policyKeysAt));
}

/** The policy with every default, for when no runbook.yaml is given. */
export function defaultPolicy(): RunbookPolicy {
  const p = runbookPolicySchema.parse({});
  return loadPolicyFromParsed(p);
}

function loadPolicyFromParsed(p: z.output<typeof runbookPolicySchema>): RunbookPolicy {
  return {
    heartbeatIntervalMs: p.heartbeat_interval_s * 1000,
    failureThreshold: p.failure_threshold,
    recoveryBackoffMs: p.recovery_backoff_s * 1000,
    escalation: {
      unreachableFraction: p.escalation.unreachable_fraction,
      leaderlessMs: p.escalation.leaderless_minutes * 60_000,
      syncStallMs: p.escalation.sync_stall_minutes * 60_000,
    },
    approval: { timeoutMs: p.approval.timeout_minutes * 60_000, modes: p.approval.modes, minApprovers: p.approval.min_approvers },
    probe: {
      connectTimeoutMs: p.probe.connect_timeout_s * 1000,
      totalTimeoutMs: p.probe.total_timeout_s * 1000,
      batchSize: p.probe.batch_size,
      concurrency: p.probe.concurrency,
    },
    maxNodesRemediated: p.max_nodes_remediated,
    monitor: {
      enabled: p.monitor.enabled,
      maxRecoveryAttempts: p.monitor.max_recovery_attempts,
      remediateCluster: p.monitor.remediate_cluster,
      flapWindowMs: p.monitor.flap_window_minutes * 60_000,
    },
    notifications: p.notifications.map(toTarget),
    approvers: { low: [...p.approvers.low], high: [...p.approvers.high] },
    alerts: alertRoutes(p.alerts),
    incident: { maxRounds: p.incident.max_rounds, resolveWaitMs: p.incident.resolve_wait_minutes * 60_000 },
  };
}

/** Config spelling to the workflow-facing target: env var names only, never their values. */
function toTarget(n: z.output<typeof notificationTarget>): NotificationTarget {
  const name = n.name ?? n.kind;
  const events = n.events !== undefined ? { events: [...new Set(n.events)] } : {};
  switch (n.kind) {
    case 'log':
      return { kind: 'log', name, ...events };
    case 'webhook':
      return {
        kind: 'webhook',
        name,
        ...(n.url !== undefined && { url: n.url }),
        ...(n.url_env !== undefined && { urlEnv: n.url_env }),
        ...(n.secret_env !== undefined && { secretEnv: n.secret_env }),
        ...events,
      };
    case 'slack':
      return { kind: 'slack', name, urlEnv: n.url_env, ...events };
    case 'pagerduty':
      return { kind: 'pagerduty', name, routingKeyEnv: n.routing_key_env, url: n.url, ...events };
  }
}
