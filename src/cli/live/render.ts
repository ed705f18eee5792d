// The live view of a running procedure (`run --wait`, `watch`), as pure functions of the `progress`
// query: a frame redrawn in place on a terminal, or one line per change for pipes and CI.
// No I/O and no clock here (the caller passes `now`), so every rendering is unit-tested.
import { type Progress, STEP_LABEL, type StepProgress } from '../../domain/progress.js';

export interface RenderContext {
  workflowId: string;
  /** Who the printed approve/reject commands name with --by (the OS user running the CLI). */
  approver: string;
}

const LABEL_WIDTH = 8;

// Details quote nodes (leader ids, errors, command output): a hostile or broken daemon must not
// move the cursor or recolour the operator's terminal, nor break one line into two.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Node-supplied text made safe for a terminal line: control characters become spaces. */
export function terminalText(text: string): string {
  return text.replace(CONTROL, ' ');
}

/** A POSIX shell word, so the printed command can be pasted as is (step names have spaces). */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The commands that decide the waiting step. They name the step (as the Web UI does), so a
 * decision pasted late can never approve a later gate.
 */
export function decideCommands(p: Progress, ctx: RenderContext): { approve: string; reject: string } | undefined {
  const a = p.pendingApproval;
  if (!a) return undefined;
  const args = `${shellWord(ctx.workflowId)} --step ${shellWord(terminalText(a.step))} --by ${shellWord(ctx.approver)}`;
  return { approve: `runbook approve ${args}`, reject: `runbook reject ${args}` };
}

/** "0.4 s", "12 s", "3 m 05 s", "1 h 02 m": short, and precise where it matters. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

/** How long the step ran (ended) or has been running (now); undefined before it started. */
export function stepElapsed(s: StepProgress, now: number): number | undefined {
  if (s.startedAt === undefined) return undefined;
  const start = Date.parse(s.startedAt);
  const end = s.endedAt !== undefined ? Date.parse(s.endedAt) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? undefined : end - start;
}

function headline(p: Progress): string {
  return `${p.procedure}${p.node ? ` on ${terminalText(p.node)}` : ''}${p.dryRun ? ' (dry run)' : ''}: ${p.status}`;
}

function approvalLines(p: Progress, ctx: RenderContext): string[] {
  const a = p.pendingApproval;
  const cmd = decideCommands(p, ctx);
  if (!a || !cmd) return [];
  return [
    `Waiting for approval of "${terminalText(a.step)}" (${a.risk}) until ${a.deadline}: ${terminalText(a.detail)}`,
    `  approve: ${cmd.approve}`,
    `  reject:  ${cmd.reject}`,
  ];
}

/**
 * The terminal frame: headline, one row per step (state, elapsed, detail), then the approval
 * the run waits for with the exact commands. `footer` is the caller's last line (e.g. how to
 * stop watching), left out of the final frame.
 */
export function renderFrame(p: Progress, ctx: RenderContext, now: number, footer?: string): string {
  const width = Math.max(0, ...p.steps.map((s) => s.name.length));
  const rows = p.steps.map((s) => {
    const ms = stepElapsed(s, now);
    const time = ms === undefined ? '' : formatElapsed(ms);
    const detail = s.detail ? `  ${terminalText(s.detail)}` : '';
    return `  ${STEP_LABEL[s.state].padEnd(LABEL_WIDTH)} ${terminalText(s.name).padEnd(width)}  ${time.padStart(9)}${detail}`.trimEnd();
  });
  const ask = approvalLines(p, ctx);
  return [headline(p), ...rows, ...(ask.length > 0 ? ['', ...ask] : []), ...(footer !== undefined ? ['', footer] : [])].join('\n');
}

/**
 * One line per change between two polls, for pipes and CI (no escape codes). The first poll
 * (`prev` undefined) prints the headline and every step that has left `pending`, so watching a
 * closed run prints its final steps. Steps still pending print nothing: they have not changed.
 */
export function changeLines(prev: Progress | undefined, next: Progress, ctx: RenderContext): string[] {
  const out: string[] = [];
  if (!prev || prev.status !== next.status) out.push(headline(next));
  const before = new Map((prev?.steps ?? []).map((s) => [s.name, s]));
  for (const s of next.steps) {
    const was = before.get(s.name);
    const changed = was ? was.state !== s.state || was.detail !== s.detail : s.state !== 'pending';
    if (!changed) continue;
    const ms = s.endedAt !== undefined ? stepElapsed(s, 0) : undefined;
    const time = ms === undefined ? '' : ` (${formatElapsed(ms)})`;
    out.push(`  ${STEP_LABEL[s.state].padEnd(LABEL_WIDTH)} ${terminalText(s.name)}${time}${s.detail ? `: ${terminalText(s.detail)}` : ''}`);
  }
  const asked = next.pendingApproval;
  if (asked && (prev?.pendingApproval?.step !== asked.step || prev.pendingApproval.requestedAt !== asked.requestedAt)) {
    out.push(...approvalLines(next, ctx));
  }
  return out;
}
