// Alertmanager's webhook payload, version 4 (DESIGN §8; Alertmanager docs, "webhook_config").
// Unknown fields are dropped, not refused: Alertmanager may add fields in a minor release.
import { z } from 'zod';
import { capNodeText } from '../domain/node-text.js';
import { alertTimeProblem } from './alert-time.js';

/** Alerts in one notification; Alertmanager's receiver `max_alerts` keeps a group below it. */
export const MAX_ALERTS_PER_POST = 1000;
/** Longest label or annotation value kept; real ones are names and sentences. */
const MAX_VALUE = 4096;

const labelSet = z.record(z.string().max(MAX_VALUE));
const status = z.enum(['firing', 'resolved']);
/** RFC 3339 and short: it goes into workflow IDs, inputs and summaries (alert-time.ts). */
const alertTime = z.string().superRefine((v, ctx) => {
  const problem = alertTimeProblem(v);
  if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

export const alertSchema = z.object({
  status,
  labels: labelSet.refine((l) => typeof l['alertname'] === 'string' && l['alertname'] !== '', {
    message: 'every alert needs an "alertname" label',
  }),
  annotations: labelSet.default({}),
  // RFC 3339 with up to nanoseconds (Go's) and a zone; `endsAt` of a firing alert is Go's zero
  // time, 0001-01-01T00:00:00Z, itself RFC 3339.
  startsAt: alertTime,
  endsAt: alertTime.optional(),
  generatorURL: z.string().max(MAX_VALUE).optional(),
  fingerprint: z.string().regex(/^[0-9A-Za-z]{1,64}$/, 'a fingerprint is 1–64 letters or digits'),
});

export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { errorMap: () => ({ message: 'only version "4" of the Alertmanager webhook payload is supported' }) }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status,
  receiver: z.string(),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema).min(1, 'a notification carries at least one alert'),
});

export type AlertmanagerAlert = z.infer<typeof alertSchema>;
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

/** `alerts[3].labels.alertname`: the field a 400 names. */
export function issuePath(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(body)';
}

export type ParsedPayload = { ok: true; payload: AlertmanagerPayload } | { ok: false; error: string };

/** Validates a decoded body; the error names the first bad field and says what was expected. */
export function parsePayload(body: unknown): ParsedPayload {
  // Counted before validating 10,000 alerts one by one.
  const alerts = (body as { alerts?: unknown } | null)?.alerts;
  if (Array.isArray(alerts) && alerts.length > MAX_ALERTS_PER_POST) {
    return {
      ok: false,
      error: `alerts: ${alerts.length} alerts in one notification, at most ${MAX_ALERTS_PER_POST} (set max_alerts on the Alertmanager receiver)`,
    };
  }
  const parsed = alertmanagerPayloadSchema.safeParse(body);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const first = parsed.error.issues[0]!;
  const message = first.code === 'invalid_type' && first.received === 'undefined' ? 'required field is missing' : first.message;
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
  // Zod quotes the value it refused: a hostile 70 KB label would come back whole in the 400.
  return { ok: false, error: `${capNodeText(issuePath(first.path), 120)}: ${capNodeText(message, 200)}${whichAlert(first.path, alerts)}${more}` };
}

/** ` (alert 2, alertname "NodeEvicted")` for a problem inside one alert: which one to fix. */
function whichAlert(path: ReadonlyArray<string | number>, alerts: unknown): string {
  if (path[0] !== 'alerts' || typeof path[1] !== 'number' || !Array.isArray(alerts)) return '';
  const name = (alerts[path[1]] as { labels?: { alertname?: unknown } } | null)?.labels?.alertname;
  return ` (alert ${path[1]}${typeof name === 'string' ? `, alertname ${JSON.stringify(capNodeText(name, 64))}` : ''})`;
}
