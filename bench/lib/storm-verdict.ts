// What the alert storm must show (nothing lost, nothing doubled), from the answers and from Temporal's list:
// every post answered, none 5xx, each occurrence started by exactly one post and joined by the
// others under one workflow ID, and exactly one incident run per occurrence, nothing else.
import type { PostResult } from './storm-client.js';

export interface StormVerdict {
  answered: number;
  dropped: number;
  status5xx: number;
  /** Answered, but not 202 (and not 5xx). */
  otherStatus: number;
  started: number;
  joined: number;
  ignored: number;
  /** Problems found, each a sentence; empty when the storm lost nothing. */
  problems: string[];
}

export function judgeAnswers(results: readonly PostResult[], distinct: number): StormVerdict {
  const v: StormVerdict = { answered: 0, dropped: 0, status5xx: 0, otherStatus: 0, started: 0, joined: 0, ignored: 0, problems: [] };
  const startedBy = new Array<number>(distinct).fill(0);
  const idsOf = Array.from({ length: distinct }, () => new Set<string>());
  const examples = new Map<string, string>();
  for (const r of results) {
    if (r.status === undefined) {
      v.dropped++;
      examples.set('dropped', r.error ?? '');
      continue;
    }
    v.answered++;
    if (r.status >= 500) {
      v.status5xx++;
      examples.set(`status ${r.status}`, r.error ?? '');
    } else if (r.status !== 202) {
      v.otherStatus++;
      examples.set(`status ${r.status}`, r.error ?? '');
    }
    if (r.action === 'started') startedBy[r.occurrence]!++;
    if (r.action === 'started') v.started++;
    else if (r.action === 'joined') v.joined++;
    else if (r.action === 'ignored') {
      v.ignored++;
      // A repeat after its incident ended is refused by the server: still one incident.
      if (!/^incident already/.test(r.reason ?? '')) examples.set('ignored', r.reason ?? '');
    }
    if (r.workflowId !== undefined) idsOf[r.occurrence]!.add(r.workflowId);
  }
  if (v.dropped > 0) v.problems.push(`${v.dropped} post(s) got no answer (e.g. ${examples.get('dropped')})`);
  if (v.status5xx > 0) v.problems.push(`${v.status5xx} post(s) answered 5xx`);
  if (v.otherStatus > 0) v.problems.push(`${v.otherStatus} post(s) answered neither 202 nor 5xx`);
  for (const [k, e] of examples) if (k.startsWith('status')) v.problems.push(`${k}: ${e.slice(0, 200)}`);
  if (examples.has('ignored')) v.problems.push(`alerts ignored for another reason than an ended incident: ${examples.get('ignored')}`);
  const notOnce = startedBy.flatMap((n, i) => (n === 1 ? [] : [`#${i}: ${n}`]));
  if (notOnce.length > 0) v.problems.push(`${notOnce.length} occurrence(s) not started by exactly one post (${notOnce.slice(0, 5).join(', ')})`);
  const split = idsOf.flatMap((s, i) => (s.size > 1 ? [`#${i}: ${[...s].join(' ')}`] : []));
  if (split.length > 0) v.problems.push(`${split.length} occurrence(s) answered with more than one workflow ID (${split.slice(0, 3).join('; ')})`);
  return v;
}

/** Temporal's side: `runs` maps each incident workflow ID found to its number of runs. */
export function judgeIncidents(expectedIds: ReadonlySet<string>, runs: ReadonlyMap<string, number>): string[] {
  const problems: string[] = [];
  const missing = [...expectedIds].filter((id) => !runs.has(id));
  const extra = [...runs.keys()].filter((id) => !expectedIds.has(id));
  const twice = [...runs].filter(([, n]) => n !== 1);
  if (missing.length > 0) problems.push(`${missing.length} occurrence(s) without an incident (e.g. ${missing[0]})`);
  if (extra.length > 0) problems.push(`${extra.length} incident(s) for no posted occurrence (e.g. ${extra[0]})`);
  if (twice.length > 0) problems.push(`${twice.length} incident ID(s) with more than one run (e.g. ${twice[0]![0]}: ${twice[0]![1]})`);
  return problems;
}
