// The policy a rehearsal runs with: the configured one, with two changes it states. Nobody is
// paged (notifications go to the log; the targets that would have heard are listed), and the
// windows that only measure time (stall window, heartbeat, backoff) are scaled down so a
// rehearsal takes seconds (and an incident's wait for `resolved`). Approval modes, counts, fractions and the blast radius stay as set.
import type { NotificationTarget, RunbookPolicy } from '../domain/policy.js';

/** Default factor for waiting windows: a 10-minute sync stall window becomes 6 s. */
export const DEFAULT_TIME_SCALE = 0.01;

export interface RehearsalPolicy {
  policy: RunbookPolicy;
  /** The configured targets that a real run would notify (`kind:name`), none of which is called. */
  silenced: string[];
  /** What was scaled, for the report: `name: configured → rehearsed`. */
  scaled: string[];
}

const FLOORS = { syncStallMs: 5000, heartbeatIntervalMs: 1000, recoveryBackoffMs: 1000, resolveWaitMs: 10_000 } as const;

export function rehearsalPolicy(configured: RunbookPolicy, timeScale: number): RehearsalPolicy {
  const scaled: string[] = [];
  const scale = (name: keyof typeof FLOORS, ms: number): number => {
    const v = Math.max(FLOORS[name], Math.round(ms * timeScale));
    if (v !== ms) scaled.push(`${name}: ${ms} → ${v} ms`);
    return v;
  };
  const policy: RunbookPolicy = {
    ...configured,
    heartbeatIntervalMs: scale('heartbeatIntervalMs', configured.heartbeatIntervalMs),
    recoveryBackoffMs: scale('recoveryBackoffMs', configured.recoveryBackoffMs),
    escalation: { ...configured.escalation, syncStallMs: scale('syncStallMs', configured.escalation.syncStallMs) },
    // The rehearsal posts `resolved` itself; this only bounds an incident whose alert never clears.
    incident: { ...configured.incident, resolveWaitMs: scale('resolveWaitMs', configured.incident.resolveWaitMs) },
    notifications: [{ kind: 'log', name: 'rehearsal' }],
  };
  return { policy, silenced: configured.notifications.filter((n) => n.kind !== 'log').map(describeTarget), scaled };
}

function describeTarget(n: NotificationTarget): string {
  return `${n.kind}:${n.name}`;
}

/**
 * Who a gate of `risk` would ask. Read loosely: the `approvers:` key of config/runbook.yaml
 * (Slack user IDs per risk) may not be known to this policy's type yet.
 */
export function wouldAsk(policy: RunbookPolicy, risk: string): string {
  const approvers = (policy as unknown as { approvers?: Record<string, unknown> }).approvers?.[risk];
  if (Array.isArray(approvers) && approvers.length > 0) return approvers.map(String).join(', ');
  return 'anyone who can run `runbook approve` (no approvers configured)';
}
