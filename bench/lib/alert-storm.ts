// The alert storm's plan (bench/alerts): which alert occurrence each of the posts carries and
// when it is sent. Pure and seeded, so a run can be repeated and the plan tested.
//
// An occurrence is what Alertmanager keeps stable across its repeats: alert name, node label and
// `startsAt` (DESIGN §8: one occurrence, one incident). Every occurrence is posted at least once;
// the remaining posts repeat occurrences picked at random (Alertmanager's repeats, two
// Alertmanager replicas posting the same group), and everything is shuffled so first posts and
// duplicates interleave, also on different clients at the same moment.
import { prng } from '../../src/sim/topology.js';

export interface Occurrence {
  /** Index in the plan's `occurrences`. */
  index: number;
  node: string;
  startsAt: string;
  fingerprint: string;
}

export interface PlannedPost {
  /** Milliseconds after the storm's start. */
  atMs: number;
  /** The client (connection pool) that sends it: `post index % clients`. */
  client: number;
  occurrence: number;
}

export interface StormPlan {
  occurrences: Occurrence[];
  posts: PlannedPost[];
}

export interface StormOptions {
  alerts: number;
  distinct: number;
  seconds: number;
  clients: number;
  nodes: readonly string[];
  /** `startsAt` of the first occurrence on each node; later rounds on a node are 1 s apart. */
  baseTime: Date;
  seed: number;
}


export function planStorm(o: StormOptions): StormPlan {
  if (o.nodes.length === 0) throw new Error('the storm needs at least one node');
  if (o.distinct < 1 || o.distinct > o.alerts) throw new Error(`distinct occurrences (${o.distinct}) must be from 1 to the number of alerts (${o.alerts})`);
  const rand = prng(o.seed);
  // Occurrence j: node j mod n, the (j div n)-th firing on that node (a re-fire: new startsAt).
  const occurrences: Occurrence[] = Array.from({ length: o.distinct }, (_, j) => ({
    index: j,
    node: o.nodes[j % o.nodes.length]!,
    startsAt: new Date(o.baseTime.getTime() + Math.floor(j / o.nodes.length) * 1000).toISOString(),
    fingerprint: (0x1000000 + j).toString(16).padStart(16, '0'),
  }));
  const order = occurrences.map((x) => x.index);
  for (let i = o.distinct; i < o.alerts; i++) order.push(Math.floor(rand() * o.distinct));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const spacing = (o.seconds * 1000) / o.alerts;
  const posts = order.map((occurrence, i) => ({ atMs: i * spacing, client: i % o.clients, occurrence }));
  return { occurrences, posts };
}
