// Type checks of an approval decision as it arrives from outside (CLI, Web UI, a script). The
// payload is JSON the sender typed by hand: `"approve": "false"` is a truthy string, and a gate
// that read it as truthy would approve what the operator meant to reject. Pure, so the update
// validator, the signal handlers and unit tests share one rule.

/** Longest `by`/`step`/`comment` accepted; they land in history and the Web UI. */
export const MAX_DECISION_TEXT = 1_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function textProblem(d: Record<string, unknown>, field: 'by' | 'step' | 'comment', required: boolean): string | undefined {
  const v = d[field];
  if (v === undefined) return required ? `"${field}" is required: name who decides` : undefined;
  if (typeof v !== 'string') return `"${field}" must be a string, got ${describe(v)}`;
  if (required && v.trim() === '') return `"${field}" must name who decides (got an empty string)`;
  if (v.length > MAX_DECISION_TEXT) return `"${field}" is longer than ${MAX_DECISION_TEXT} characters`;
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return Array.isArray(v) ? 'an array' : typeof v;
}

/**
 * What is wrong with a decision, or undefined when it is well-formed. `withApprove`: the
 * `decide` update carries `approve`, which must be a real boolean (never "false", 0 or "yes").
 */
export function decisionProblem(d: unknown, withApprove: boolean): string | undefined {
  if (!isObject(d)) return `a decision must be an object like {"by": "alice"}, got ${describe(d)}`;
  if (withApprove && typeof d['approve'] !== 'boolean') {
    return `"approve" must be true or false (a JSON boolean), got ${d['approve'] === undefined ? 'nothing' : describe(d['approve'])}`;
  }
  const occurrence = d['occurrence'];
  if (occurrence !== undefined && !(typeof occurrence === 'number' && Number.isInteger(occurrence) && occurrence > 0)) {
    return `"occurrence" must be a positive whole number, got ${describe(occurrence)}`;
  }
  return textProblem(d, 'by', true) ?? textProblem(d, 'step', false) ?? textProblem(d, 'comment', false);
}
