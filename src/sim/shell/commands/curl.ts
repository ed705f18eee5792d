// `curl` inside a node (§3.2 status checks, §4.3 trigger-election, §4.4 admin API), answered
// from the simulated network as seen from that node. Exit codes and messages are curl's.
import { absPath } from '../paths.js';
import type { Command, CommandContext } from '../types.js';

interface CurlOptions {
  silent: boolean;
  showErr: boolean;
  fail: boolean;
  method: string | undefined;
  connectTimeout: number | undefined;
  maxTime: number | undefined;
  outFile: string | undefined;
  writeOut: string | undefined;
  data: string | undefined;
  headers: Record<string, string>;
  url: string | undefined;
}

/** Parses curl's options; resolves with an exit status instead when one is bad. */
async function parseOptions(args: string[], x: CommandContext): Promise<CurlOptions | number> {
  const o: CurlOptions = {
    silent: false,
    showErr: false,
    fail: false,
    method: undefined,
    connectTimeout: undefined,
    maxTime: undefined,
    outFile: undefined,
    writeOut: undefined,
    data: undefined,
    headers: {},
    url: undefined,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const val = (): string => args[++i] ?? '';
    if (a === '-X' || a === '--request') o.method = val();
    else if (a === '-H' || a === '--header') {
      const h = val();
      // curl 7.55+: `-H @-` / `-H @file` read headers one per line, so a secret header stays
      // out of the command line (and out of `ps`, shell history and our mutation log).
      const lines =
        h === '@-'
          ? x.io.lazyStdin
            ? await x.io.lazyStdin()
            : x.io.stdin
          : h.startsWith('@')
            ? x.world.cluster.files(x.s.node).get(absPath(h.slice(1), x.s.cwd))
            : h;
      if (lines === undefined) {
        x.io.err.write(`curl: option -H: error encountered when reading a file\n`);
        return 26;
      }
      for (const line of lines.split(/\r?\n/)) {
        const c = line.indexOf(':');
        if (c > 0) o.headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
      }
    } else if (a === '--connect-timeout') o.connectTimeout = Number(val());
    else if (a === '-m' || a === '--max-time') o.maxTime = Number(val());
    else if (a === '-o' || a === '--output') o.outFile = val();
    else if (a === '-w' || a === '--write-out') o.writeOut = val();
    else if (a === '-d' || a === '--data' || a === '--data-raw') o.data = val();
    else if (a === '--silent') o.silent = true;
    else if (a === '--show-error') o.showErr = true;
    else if (a === '--fail') o.fail = true;
    else if (/^-[a-zA-Z]+$/.test(a)) {
      for (const f of a.slice(1)) {
        if (f === 's') o.silent = true;
        else if (f === 'S') o.showErr = true;
        else if (f === 'f') o.fail = true;
        else if (f === 'L' || f === 'k' || f === 'v' || f === 'i') continue;
        else {
          x.io.err.write(`curl: option -${f}: is unknown\n`);
          return 2;
        }
      }
    } else if (a.startsWith('-')) continue;
    else o.url = a;
  }
  return o;
}

const curl: Command = async (args, x) => {
  const o = await parseOptions(args, x);
  if (typeof o === 'number') return o;
  if (o.url === undefined) {
    x.io.err.write("curl: try 'curl --help' for more information\n");
    return 2;
  }
  const m = /^(?:(https?):\/\/)?([^/:?#]+)(?::(\d+))?([^#]*)$/.exec(o.url);
  if (m === null) {
    x.io.err.write(`curl: (3) URL rejected: Malformed input to a URL function\n`);
    return 3;
  }
  const host = m[2]!;
  const port = m[3] !== undefined ? Number(m[3]) : m[1] === 'https' ? 443 : 80;
  const path = m[4] === '' ? '/' : m[4]!.startsWith('/') ? m[4]! : `/${m[4]!}`;
  const verb = o.method ?? (o.data !== undefined ? 'POST' : 'GET');
  const say = (code: number, msg: string): number => {
    if (!o.silent || o.showErr) x.io.err.write(`curl: (${code}) ${msg}\n`);
    return code;
  };
  // curl writes -w's text even when the transfer failed (after its error message), with
  // %{http_code} 000 when no HTTP response came back: `-w "p2p %{http_code} "` then `000`.
  const done = (code: number, httpCode = 0): number => {
    if (o.writeOut !== undefined) {
      x.io.out.write(o.writeOut.replace(/%\{http_code\}/g, String(httpCode).padStart(3, '0')).replace(/\\n/g, '\n'));
    }
    return code;
  };
  const r = x.world.request(x.s.node, host, port, verb, path, o.headers, x.text);
  switch (r.kind) {
    case 'unresolved':
      return done(say(6, `Could not resolve host: ${host}`));
    case 'refused':
      return done(say(7, `Failed to connect to ${host} port ${port} after 0 ms: Couldn't connect to server`));
    case 'reset':
      return done(say(56, 'Recv failure: Connection reset by peer'));
    case 'not-http':
      // curl 7.66+ refuses a reply without an HTTP status line (an sshd's banner) unless told
      // --http0.9: exit 1 (CURLE_UNSUPPORTED_PROTOCOL).
      return done(say(1, 'Received HTTP/0.9 when not allowed'));
    case 'timeout': {
      // An unreachable target: curl waits out its connect timeout (scaled) and prints nothing.
      const secs = Math.min(o.connectTimeout ?? o.maxTime ?? 300, o.maxTime ?? Infinity);
      await x.world.sleep(secs * 1000 * x.world.timeScale);
      return done(say(28, `Connection timed out after ${Math.round(secs * 1000)} milliseconds`));
    }
    case 'ok': {
      const res = r.response;
      if (o.fail && res.status >= 400) return done(say(22, `The requested URL returned error: ${res.status}`), res.status);
      if (o.outFile !== undefined && o.outFile !== '/dev/null') x.world.cluster.files(x.s.node).set(absPath(o.outFile, x.s.cwd), res.body);
      else if (o.outFile === undefined) x.io.out.write(res.body);
      return done(0, res.status);
    }
  }
};

export const CURL = { curl } satisfies Record<string, Command>;
