// Text filters for pipelines: `grep` (the runbook's `| grep -E …` checks) and `jq` with path
// filters (§8 quick reference).
import type { Command, Io } from '../types.js';

/** grep with -E/-v/-i/-c/-q/-F; basic regexps are translated to JS (`\|` alternation etc.). */
function grepText(args: string[], io: Io): number {
  let extended = false;
  let invert = false;
  let icase = false;
  let count = false;
  let quiet = false;
  let fixed = false;
  let pattern: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-e') pattern = args[++i];
    else if (/^-[EvicqFw]+$/.test(a)) {
      extended ||= a.includes('E');
      invert ||= a.includes('v');
      icase ||= a.includes('i');
      count ||= a.includes('c');
      quiet ||= a.includes('q');
      fixed ||= a.includes('F');
    } else if (a.startsWith('--color')) continue;
    else if (pattern === undefined) pattern = a;
  }
  if (pattern === undefined) {
    io.err.write('Usage: grep [OPTION]... PATTERNS [FILE]...\n');
    return 2;
  }
  let src = pattern;
  if (fixed) src = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  else if (!extended) {
    // BRE: ( ) { } | + ? are literal unless escaped.
    src = pattern.replace(/\\([(){}|+?])|([(){}|+?])/g, (_m, esc: string | undefined, lit: string | undefined) =>
      esc !== undefined ? esc : `\\${lit!}`,
    );
  }
  let re: RegExp;
  try {
    re = new RegExp(src, icase ? 'i' : '');
  } catch {
    io.err.write('grep: Invalid regular expression\n');
    return 2;
  }
  const lines = io.stdin.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const hits = lines.filter((l) => re.test(l) !== invert);
  if (count) io.out.write(`${hits.length}\n`);
  else if (!quiet) io.out.write(hits.map((l) => l + '\n').join(''));
  return hits.length > 0 ? 0 : 1;
}

/** jq with path filters only (`.`, `.a.b`, `.a[]`, `.a[0]`, `.["k"]`, `-r`, `-c`): the §8 quick reference. */
function jqPaths(args: string[], io: Io): number {
  const raw = args.some((a) => /^-[a-z]*r/.test(a));
  const compact = args.some((a) => /^-[a-z]*c/.test(a));
  const filter = args.find((a) => !a.startsWith('-')) ?? '.';
  const steps: Array<{ key?: string; index?: number; each?: true }> = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\.?\["([^"]*)"\]|\.?\[(-?\d+)\]|\.?\[\]|(\.)/y;
  let pos = 0;
  while (pos < filter.length) {
    re.lastIndex = pos;
    const m = re.exec(filter);
    if (m === null) {
      io.err.write(`jq: error: filter not supported by the simulator: ${filter}\n`);
      return 3;
    }
    pos = re.lastIndex;
    if (m[1] !== undefined || m[2] !== undefined) steps.push({ key: m[1] ?? m[2]! });
    else if (m[3] !== undefined) steps.push({ index: Number(m[3]) });
    else if (m[4] === undefined) steps.push({ each: true });
  }
  let values: unknown[];
  try {
    values = [JSON.parse(io.stdin)];
  } catch {
    io.err.write('jq: error (at <stdin>:0): Cannot parse input as JSON\n');
    return 2;
  }
  for (const st of steps) {
    const next: unknown[] = [];
    for (const v of values) {
      if (st.each === true) {
        if (v !== null && typeof v === 'object') next.push(...Object.values(v));
        else {
          io.err.write(`jq: error: Cannot iterate over ${v === null ? 'null' : typeof v}\n`);
          return 5;
        }
      } else if (st.index !== undefined) next.push(Array.isArray(v) ? (v.at(st.index) ?? null) : null);
      else next.push(v !== null && typeof v === 'object' ? ((v as Record<string, unknown>)[st.key!] ?? null) : null);
    }
    values = next;
  }
  for (const v of values) {
    io.out.write((raw && typeof v === 'string' ? v : compact ? JSON.stringify(v) : JSON.stringify(v, null, 2)) + '\n');
  }
  return 0;
}

export const TEXT_FILTERS = {
  grep: (args, x) => grepText(args, x.io),
  jq: (args, x) => jqPaths(args, x.io),
} satisfies Record<string, Command>;
