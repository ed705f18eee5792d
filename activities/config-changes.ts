// §6.2 item 4 "Recent changes to network configuration": update-hosts (§4.6) keeps a backup
// `<hosts file>.bak-<time>` of the file as it was before each write, so each backup and the
// state after it (the next backup, or the live file) give one change. Bounded for a page.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const MAX_DIFF_LINES = 20;
const MAX_LINE = 200;

/** Lines only in `before` as `- …`, lines only in `after` as `+ …`, in file order; capped. */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const inA = new Set(a);
  const inB = new Set(b);
  const out = [...a.filter((l) => !inB.has(l)).map((l) => `- ${l}`), ...b.filter((l) => !inA.has(l)).map((l) => `+ ${l}`)];
  const capped = out.slice(0, MAX_DIFF_LINES).map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l));
  return out.length > MAX_DIFF_LINES ? [...capped, `…[${out.length - MAX_DIFF_LINES} more lines]`] : capped;
}

export function recentConfigChanges(hostsFile: string, limit: number): Array<{ backup: string; at: string; diff: string[] }> {
  const dir = dirname(hostsFile);
  const prefix = `${basename(hostsFile)}.bak-`;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  // The stamp is an ISO time with ':' and '.' replaced, so names sort by time.
  names.sort();
  const read = (p: string): string | undefined => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  const out: Array<{ backup: string; at: string; diff: string[] }> = [];
  for (let i = names.length - 1; i >= 0 && out.length < Math.max(0, limit); i--) {
    const path = join(dir, names[i]!);
    const before = read(path);
    const after = read(i + 1 < names.length ? join(dir, names[i + 1]!) : hostsFile);
    if (before === undefined || after === undefined) continue;
    out.push({ backup: names[i]!, at: statSync(path).mtime.toISOString(), diff: lineDiff(before, after) });
  }
  return out;
}
