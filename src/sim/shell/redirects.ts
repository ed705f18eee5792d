// Redirections of one simple command: here-documents and `<` feed stdin; `>`, `>>`, `2>`,
// `2>&1` and `&>` point stdout/stderr at /dev/null, at each other or at a node file.
import type { SimCluster } from '../cluster.js';
import type { Redirect, Word } from './parse.js';
import { absPath, isDir } from './paths.js';
import { DEV_NULL } from './session.js';
import type { Io, Session, Sink } from './types.js';

export interface Redirected {
  io: Io;
  /** Writes what the command sent to files into the node's files; call once it has finished. */
  flush(): void;
  /** Absolute path of the file stdout goes to (a daemon start's log, §4.1 `> logs/p2p.log`), else null. */
  logPath: string | null;
}

/**
 * Applies `redirects` over `io` in order, as bash does; a missing input file or directory is
 * bash's error on stderr and an exit status of 1 (the command does not run).
 */
export function applyRedirects(
  redirects: Redirect[],
  s: Session,
  io: Io,
  cluster: SimCluster,
  expand: (w: Word) => string,
): Redirected | number {
  let { stdin, out, err } = io;
  let lazyStdin = io.lazyStdin;
  const files: Array<{ path: string; buf: { text: string } }> = [];
  for (const r of redirects) {
    const target = expand(r.target);
    if (r.op === '<<' || r.op === '<') lazyStdin = undefined;
    if (r.op === '<<') {
      stdin = r.expand === true ? expand([{ text: r.body ?? '', quote: 'double' }]) : (r.body ?? '');
    } else if (r.op === '<') {
      const f = cluster.files(s.node).get(absPath(target, s.cwd));
      if (f === undefined) {
        io.err.write(`bash: ${target}: No such file or directory\n`);
        return 1;
      }
      stdin = f;
    } else if (r.op === '>&') {
      const sink = target === '1' ? out : target === '2' ? err : undefined;
      if (sink === undefined) continue;
      if (r.fd === 2) err = sink;
      else out = sink;
    } else {
      let sink: Sink;
      if (target === '/dev/null') sink = DEV_NULL;
      else {
        const path = absPath(target, s.cwd);
        const dir = path.slice(0, path.lastIndexOf('/')) || '/';
        if (!isDir(cluster, dir)) {
          io.err.write(`bash: ${target}: No such file or directory\n`);
          return 1;
        }
        const buf = { text: '' };
        // `>` truncates when the shell opens the file, before the command runs; the output
        // is then appended, so `>` and `>>` both end in an append on flush.
        if (r.op === '>') cluster.files(s.node).set(path, '');
        files.push({ path, buf });
        sink = { write: (x) => void (buf.text += x) };
      }
      if (r.fd === 2) err = sink;
      else out = sink;
    }
  }
  const stdoutFile = [...redirects].reverse().find((r) => r.op === '>' || r.op === '>>');
  const logTarget = stdoutFile !== undefined && stdoutFile.fd === 1 ? expand(stdoutFile.target) : undefined;
  return {
    io: { stdin, ...(lazyStdin && { lazyStdin }), out, err },
    flush: () => {
      const fs = cluster.files(s.node);
      for (const f of files) fs.set(f.path, (fs.get(f.path) ?? '') + f.buf.text);
    },
    logPath: logTarget === undefined || logTarget === '/dev/null' ? null : absPath(logTarget, s.cwd),
  };
}
