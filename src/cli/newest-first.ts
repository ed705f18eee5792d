// `runbook list` shows the newest runs first, by start time. Temporal's SQL visibility (the dev
// server, docker-compose) cannot ORDER BY: it returns running runs first, then closed ones by
// close time, newest first. A run closes after it starts, so once the closed runs reach close
// time C, every run still to come started at or before C: when `limit` runs started after C are
// already in hand, reading on cannot change the answer. This keeps `list` from paging through
// the whole history for its first 50 rows.

/** ISO times, as `runbook list --json` prints them. */
export interface Timed {
  startedAt: string;
  closedAt?: string;
}

export async function newestFirst<T extends Timed>(runs: AsyncIterable<T>, limit: number): Promise<T[]> {
  const seen: T[] = [];
  let lastClose = Infinity;
  let ordered = true;
  for await (const run of runs) {
    seen.push(run);
    if (run.closedAt === undefined) continue;
    const close = Date.parse(run.closedAt);
    // A server that orders otherwise (Elasticsearch with a custom order) gets no early stop.
    if (close > lastClose) ordered = false;
    lastClose = close;
    if (ordered && seen.length >= limit && seen.filter((r) => Date.parse(r.startedAt) > close).length >= limit) break;
  }
  return seen.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt)).slice(0, limit);
}
