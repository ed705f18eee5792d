// Runs parsed shell scripts against one simulated node. Every command is emulated in-process;
// output imitates the real tools closely enough for the runbook's greps and parsers.
import type { SimCluster, SimNode } from '../cluster.js';
import { type ApiResponse, SIM_PORTS } from '../http-api.js';
import { type ListItem, type Pipeline, type SimpleCommand, type Word, parseScript, ShellSyntaxError } from './parse.js';

export const HOME = '/home/ubuntu';

export interface Sink {
  write(s: string): void;
}

export type Reach =
  | { kind: 'ok'; response: ApiResponse }
  | { kind: 'refused' }
  | { kind: 'reset' }
  | { kind: 'timeout' }
  | { kind: 'unresolved' };

/** What the shell needs from the simulator. */
export interface ShellWorld {
  cluster: SimCluster;
  timeScale: number;
  sshPort: number;
  tailscaleJson(self: SimNode): unknown;
  tailscaleText(self: SimNode): string | null;
  /** An HTTP request from `from` to host:port through the simulated network. */
  request(from: SimNode, host: string, port: number, method: string, path: string, headers: Record<string, string>, command: string): Reach;
  /** Kills every session riding on the node's Tailscale address (tailscale down). */
  dropPrimarySessions(n: SimNode): void;
  /** Keeps detached jobs (nohup … &) alive past their session; the simulator awaits them on stop. */
  detach(job: Promise<unknown>): void;
  sleep(ms: number): Promise<void>;
}

export interface Session {
  node: SimNode;
  /** Which address the session came in on; detached jobs ride on nothing. */
  via: 'primary' | 'fallback' | 'detached';
  cwd: string;
  env: Map<string, string>;
  status: number;
  /** The connection this session rides on was cut (tailscale down): nothing more is sent. */
  killed: boolean;
  /** The shell process was killed by this signal (e.g. `TERM` from a `pkill -f` that matched it). */
  signal?: string;
}

/** A shell process visible to `ps`, `pkill -f` and `pgrep -f` on its node: its command line as
 *  sshd started it (`bash -c <command>`) or as a script started it (`sh -c <script>`). */
interface ShellProcess {
  pid: number;
  cmdline: string;
  session: Session;
}

const SIGNAL_NUMBERS: Record<string, number> = { HUP: 1, INT: 2, KILL: 9, TERM: 15 };

/** Exit status a shell reports for a child killed by `signal` (bash: 128 + n). */
export function signalStatus(signal: string): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 15);
}

function halted(s: Session): boolean {
  return s.killed || s.signal !== undefined;
}

interface Io {
  stdin: string;
  /**
   * The SSH channel's own stdin, read to EOF on demand: only a script's first command at top
   * level sees it, as with sshd (`ssh host 'curl -H @- …' <<< "$header"`).
   */
  lazyStdin?: () => Promise<string>;
  out: Sink;
  err: Sink;
}

const BACKGROUND_START_MS = 30;
const DEV_NULL: Sink = { write: () => undefined };

export function newSession(node: SimNode, via: Session['via']): Session {
  return {
    node,
    via,
    cwd: HOME,
    env: new Map([
      ['HOME', HOME],
      ['USER', 'ubuntu'],
      ['SHELL', '/bin/bash'],
      ['PATH', '/usr/local/bin:/usr/bin:/bin'],
    ]),
    status: 0,
    killed: false,
  };
}

class ExitSignal {
  constructor(readonly code: number) {}
}

export class Shell {
  private readonly procs = new Map<SimNode, Set<ShellProcess>>();
  private nextPid = 52_000;

  constructor(private readonly w: ShellWorld) {}

  /**
   * Runs an SSH exec request the way sshd does: `bash -c <command>`. bash execs a lone simple
   * command in place of itself, so only a script with more than that leaves a shell process
   * whose command line (the whole command) `ps` and `pkill -f` see — and `pkill -f p2p_daemon`
   * in such a script kills its own shell (exit 143 on Linux).
   */
  runSshCommand(command: string, s: Session, out: Sink, err: Sink, stdin: string | (() => Promise<string>) = ''): Promise<number> {
    return this.runAsProcess(oneShot(command) ? null : `bash -c ${command}`, command, s, out, err, stdin);
  }

  /** Runs `script` as a process with command line `cmdline` (null: no shell process shows). */
  async runAsProcess(
    cmdline: string | null,
    script: string,
    s: Session,
    out: Sink,
    err: Sink,
    stdin: string | (() => Promise<string>) = '',
  ): Promise<number> {
    if (cmdline === null) return this.run(script, s, out, err, stdin);
    let set = this.procs.get(s.node);
    if (set === undefined) this.procs.set(s.node, (set = new Set()));
    const proc: ShellProcess = { pid: this.nextPid++, cmdline, session: s };
    set.add(proc);
    try {
      return await this.run(script, s, out, err, stdin);
    } finally {
      set.delete(proc);
    }
  }

  private get c(): SimCluster {
    return this.w.cluster;
  }

  /**
   * Runs a whole script; resolves with the exit status of the last command. `stdin` may be a
   * reader of the session's stdin that is only awaited by a command that reads it.
   */
  async run(script: string, s: Session, out: Sink, err: Sink, stdin: string | (() => Promise<string>) = ''): Promise<number> {
    const io: Io = typeof stdin === 'string' ? { stdin, out, err } : { stdin: '', lazyStdin: stdin, out, err };
    let items: ListItem[];
    try {
      items = parseScript(script);
    } catch (e) {
      if (e instanceof ShellSyntaxError) {
        err.write(`bash: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    try {
      for (const item of items) {
        if (halted(s)) break;
        if (item.background) {
          // A forked job gets going a moment after the shell moves on (and a one-line session ends).
          const job = this.w
            .sleep(BACKGROUND_START_MS)
            .then(() => this.andOr(item.andOr, s, { stdin: '', out: DEV_NULL, err: DEV_NULL }))
            .catch(() => 1);
          this.w.detach(job);
          s.status = 0;
        } else {
          s.status = await this.andOr(item.andOr, s, io);
        }
      }
    } catch (e) {
      if (e instanceof ExitSignal) return s.signal !== undefined ? signalStatus(s.signal) : e.code;
      throw e;
    }
    return s.signal !== undefined ? signalStatus(s.signal) : s.status;
  }

  private async andOr(a: ListItem['andOr'], s: Session, io: Io): Promise<number> {
    let status = await this.pipeline(a.first, s, io);
    for (const { op, pipeline } of a.rest) {
      if (halted(s)) break;
      if ((op === '&&' && status === 0) || (op === '||' && status !== 0)) status = await this.pipeline(pipeline, s, io);
    }
    s.status = status;
    return status;
  }

  private async pipeline(p: Pipeline, s: Session, io: Io): Promise<number> {
    let stdin = io.stdin;
    let lazyStdin = io.lazyStdin;
    let status = 0;
    for (let i = 0; i < p.commands.length; i++) {
      if (halted(s)) break;
      const last = i === p.commands.length - 1;
      let buf = '';
      const out: Sink = last ? io.out : { write: (x) => void (buf += x) };
      status = await this.simple(p.commands[i]!, s, { stdin, ...(lazyStdin && { lazyStdin }), out, err: io.err }, p);
      stdin = buf;
      lazyStdin = undefined;
    }
    return p.negate ? (status === 0 ? 1 : 0) : status;
  }

  expand(word: Word, s: Session): string {
    let out = '';
    word.forEach((seg, i) => {
      let t = seg.text;
      if (seg.quote === 'single') {
        out += t;
        return;
      }
      if (i === 0 && seg.quote === 'none' && (t === '~' || t.startsWith('~/'))) t = HOME + t.slice(1);
      t = t.replace(/(\uE000)?\$(\?|\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/g, (m, esc: string | undefined, name: string) => {
        if (esc !== undefined) return m.slice(1);
        if (name === '?') return String(s.status);
        const key = name.startsWith('{') ? name.slice(1, -1) : name;
        return s.env.get(key) ?? '';
      });
      out += t.replace(/\uE000/g, '');
    });
    return out;
  }

  private abs(path: string, s: Session): string {
    const p = path.startsWith('/') ? path : `${s.cwd}/${path}`;
    const parts: string[] = [];
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') parts.pop();
      else parts.push(seg);
    }
    return '/' + parts.join('/');
  }

  private serviceDir(): string {
    return this.c.opts.serviceDir.replace(/^~/, HOME);
  }

  private isDir(path: string): boolean {
    const svc = this.serviceDir();
    return ['/', '/home', HOME, '/tmp', '/var', '/var/log', '/etc', svc, `${svc}/logs`].includes(path) || svc.startsWith(path + '/');
  }

  private async simple(cmd: SimpleCommand, s: Session, io: Io, p: Pipeline): Promise<number> {
    const argv = cmd.words.map((w) => this.expand(w, s));
    // Leading VAR=value assignments.
    while (argv.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!)) {
      const a = argv.shift()!;
      const eq = a.indexOf('=');
      s.env.set(a.slice(0, eq), a.slice(eq + 1));
    }
    let { stdin, out, err } = io;
    let lazyStdin = io.lazyStdin;
    const files: Array<{ path: string; append: boolean; fd: number; buf: { text: string } }> = [];
    for (const r of cmd.redirects) {
      const target = this.expand(r.target, s);
      if (r.op === '<<' || r.op === '<') lazyStdin = undefined;
      if (r.op === '<<') {
        stdin = r.expand === true ? this.expand([{ text: r.body ?? '', quote: 'double' }], s) : (r.body ?? '');
      } else if (r.op === '<') {
        const f = this.c.files(s.node).get(this.abs(target, s));
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
          const path = this.abs(target, s);
          const dir = path.slice(0, path.lastIndexOf('/')) || '/';
          if (!this.isDir(dir)) {
            io.err.write(`bash: ${target}: No such file or directory\n`);
            return 1;
          }
          const buf = { text: '' };
          // `>` truncates when the shell opens the file, before the command runs.
          if (r.op === '>') this.c.files(s.node).set(path, '');
          files.push({ path, append: true, fd: r.fd, buf });
          sink = { write: (x) => void (buf.text += x) };
        }
        if (r.fd === 2) err = sink;
        else out = sink;
      }
    }
    const flush = (): void => {
      const fs = this.c.files(s.node);
      for (const f of files) fs.set(f.path, (f.append ? (fs.get(f.path) ?? '') : '') + f.buf.text);
    };
    // Files named as stdout of a daemon start become its log (§4.1 `> logs/p2p.log`).
    const stdoutFile = [...cmd.redirects].reverse().find((r) => r.op === '>' || r.op === '>>');
    const logTarget =
      stdoutFile !== undefined && (stdoutFile.fd === 1) ? this.expand(stdoutFile.target, s) : undefined;
    const ctx: Ctx = {
      s,
      io: { stdin, ...(lazyStdin && { lazyStdin }), out, err },
      text: cmd.text,
      pipeline: p,
      logPath: logTarget === undefined || logTarget === '/dev/null' ? null : this.abs(logTarget, s),
    };
    if (argv.length === 0) {
      flush();
      return 0;
    }
    const status = await this.exec(argv, ctx);
    flush();
    return status;
  }

  private async exec(argv: string[], x: Ctx): Promise<number> {
    const [name, ...args] = argv as [string, ...string[]];
    const { out, err } = x.io;
    const n = x.s.node;
    switch (name) {
      case 'echo': {
        let a = args;
        let nl = true;
        let esc = false;
        while (a[0] !== undefined && /^-[neE]+$/.test(a[0])) {
          if (a[0].includes('n')) nl = false;
          if (a[0].includes('e')) esc = true;
          a = a.slice(1);
        }
        let text = a.join(' ');
        if (esc) text = text.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
        out.write(text + (nl ? '\n' : ''));
        return 0;
      }
      case 'true':
      case ':':
        return 0;
      case 'false':
        return 1;
      case 'exit':
        throw new ExitSignal(args[0] === undefined ? x.s.status : Number(args[0]) & 255);
      case 'export':
        for (const a of args) {
          const eq = a.indexOf('=');
          if (eq > 0) x.s.env.set(a.slice(0, eq), a.slice(eq + 1));
        }
        return 0;
      case 'wait':
        return 0;
      case 'cd': {
        const target = this.abs(args[0] ?? HOME, x.s);
        if (!this.isDir(target)) {
          err.write(`bash: cd: ${args[0]}: No such file or directory\n`);
          return 1;
        }
        x.s.cwd = target;
        return 0;
      }
      case 'pwd':
        out.write(x.s.cwd + '\n');
        return 0;
      case 'hostname':
        out.write(n.name + '\n');
        return 0;
      case 'whoami':
        out.write('ubuntu\n');
        return 0;
      case 'sleep': {
        const secs = Number(String(args[0] ?? '').replace(/s$/, ''));
        if (!Number.isFinite(secs) || secs < 0) {
          err.write(`sleep: invalid time interval '${args[0] ?? ''}'\n`);
          return 1;
        }
        await this.w.sleep(secs * 1000 * this.w.timeScale);
        return 0;
      }
      case 'uptime':
        out.write(uptime(n.bootedAt));
        return 0;
      case 'ip':
        return this.ip(args, x);
      case 'grep':
        return grep(args, x.io);
      case 'ps':
        out.write(this.ps(x));
        return 0;
      case 'tail':
      case 'head':
      case 'cat':
        return this.readFile(name, args, x);
      case 'ss':
      case 'netstat':
        out.write(this.ss(n));
        return 0;
      case 'pkill':
        return this.pkill(args, x);
      case 'pgrep':
        return this.pgrep(args, x);
      case 'nohup':
        if (args.length === 0) {
          err.write('nohup: missing operand\n');
          return 125;
        }
        return this.exec(args, { ...x, detached: true });
      case 'sudo':
        if (args.length === 0) {
          err.write('usage: sudo command\n');
          return 1;
        }
        return this.exec(args, { ...x, root: true });
      case 'python':
      case 'python3':
        return this.python(args, x);
      case 'bash':
      case 'sh':
        return this.subShell(name, args, x);
      case 'tailscale':
        return this.tailscale(args, x);
      case 'systemctl':
        return this.systemctl(args, x);
      case 'curl':
        return this.curl(args, x);
      case 'jq':
        return jq(args, x.io);
      default:
        err.write(`bash: ${name}: command not found\n`);
        return 127;
    }
  }

  // ---- commands --------------------------------------------------------------------------

  private ip(args: string[], x: Ctx): number {
    const sub = args[0] ?? '';
    if (!['addr', 'a', 'address'].includes(sub)) {
      x.io.err.write(`Object "${sub}" is unknown, try "ip help".\n`);
      return 255;
    }
    const rest = args.slice(1).filter((a) => a !== 'show' && a !== 'list' && a !== 'dev');
    const n = x.s.node;
    const mac = `02:42:ac:${hex2(n.index >> 8)}:${hex2(n.index & 255)}:${hex2(n.index % 251)}`;
    const fb = n.fallback.split('.');
    const ifs: Array<[string, string]> = [
      [
        'lo',
        '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n' +
          '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
          '    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n' +
          '    inet6 ::1/128 scope host noprefixroute \n       valid_lft forever preferred_lft forever\n',
      ],
      [
        'eth0',
        '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n' +
          `    link/ether ${mac} brd ff:ff:ff:ff:ff:ff\n` +
          `    inet ${n.fallback}/16 brd ${fb[0]}.${fb[1]}.255.255 scope global eth0\n       valid_lft forever preferred_lft forever\n`,
      ],
    ];
    if (n.tailscaleUp) {
      ifs.push([
        'tailscale0',
        '3: tailscale0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1280 qdisc fq_codel state UNKNOWN group default qlen 500\n' +
          '    link/none \n' +
          `    inet ${this.c.liveHost(n)}/32 scope global tailscale0\n       valid_lft forever preferred_lft forever\n` +
          `    inet6 fd7a:115c:a1e0::${(n.index + 1).toString(16)}/128 scope global \n       valid_lft forever preferred_lft forever\n`,
      ]);
    }
    const want = rest[0];
    if (want !== undefined) {
      const hit = ifs.find(([name]) => name === want);
      if (hit === undefined) {
        x.io.err.write(`Device "${want}" does not exist.\n`);
        return 1;
      }
      x.io.out.write(hit[1]);
      return 0;
    }
    x.io.out.write(ifs.map(([, t]) => t).join(''));
    return 0;
  }

  private ps(x: Ctx): string {
    const n = x.s.node;
    const rows = [
      'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
      'root           1  0.0  0.1 167744 13056 ?        Ss   Nov17   0:41 /sbin/init',
      'systemd+     612  0.0  0.0  16116  8064 ?        Ss   Nov17   0:02 /lib/systemd/systemd-networkd',
      'root         903  0.1  0.2 1249304 45320 ?       Ssl  Nov17  21:13 /usr/sbin/tailscaled --state=/var/lib/tailscale/tailscaled.state --socket=/run/tailscale/tailscaled.sock --port=41641',
      `root         951  0.0  0.0  15436  9216 ?        Ss   Nov17   0:00 sshd: /usr/sbin/sshd -D -p ${this.w.sshPort} [listener] 0 of 10-100 startups`,
      'ubuntu      1422  0.4  1.1 2841732 731220 ?      Sl   Nov17  88:12 python -m uvicorn app.main:app --host 0.0.0.0 --port 8765',
    ];
    if (n.daemon !== 'stopped') {
      rows.push(
        `ubuntu     ${String(n.daemonPid).padStart(5)} 12.3  1.4 4582120 912344 ?     Sl   ${hhmm(n.daemonSince)}   1:02 python -m app.distributed.p2p_daemon`,
      );
    }
    // Shells running scripts show their whole command line (ps prints a newline as '?').
    for (const p of this.procs.get(n) ?? []) {
      rows.push(`ubuntu     ${String(p.pid).padStart(5)}  0.0  0.0   8908  3712 ?        Ss   ${hhmm(Date.now())}   0:00 ${p.cmdline.replace(/[\n\t]/g, '?')}`);
    }
    // The other members of the pipeline are processes too (`ps aux | grep p2p` shows the grep).
    for (const c of x.pipeline.commands) {
      if (c.text === x.text) continue;
      rows.push(`ubuntu     ${String(48_000 + (c.text.length % 900)).padStart(5)}  0.0  0.0   6480  2304 ?        S    ${hhmm(Date.now())}   0:00 ${c.words.map((w) => this.expand(w, x.s)).join(' ')}`);
    }
    return rows.join('\n') + '\n';
  }

  private readFile(name: string, args: string[], x: Ctx): number {
    let count = 10;
    const paths: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '-n' && (name === 'tail' || name === 'head')) count = Number(args[++i]);
      else if (/^-n?\d+$/.test(a)) count = Number(a.replace(/^-n?/, ''));
      else if (a === '-f' || a === '-F') {
        x.io.err.write(`${name}: following files is not simulated\n`);
        return 1;
      } else paths.push(a);
    }
    const sources = paths.length === 0 ? [{ label: '-', text: x.io.stdin as string | undefined }] : paths.map((p) => ({ label: p, text: this.c.files(x.s.node).get(this.abs(p, x.s)) }));
    let status = 0;
    for (const src of sources) {
      if (src.text === undefined) {
        x.io.err.write(
          this.isDir(this.abs(src.label, x.s))
            ? `${name}: ${src.label}: Is a directory\n`
            : `${name}: cannot open '${src.label}' for reading: No such file or directory\n`,
        );
        if (name === 'cat') x.io.err.write('');
        status = 1;
        continue;
      }
      if (name === 'cat') x.io.out.write(src.text);
      else {
        const lines = src.text.split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        const pick = name === 'tail' ? lines.slice(Math.max(0, lines.length - count)) : lines.slice(0, count);
        x.io.out.write(pick.map((l) => l + '\n').join(''));
      }
    }
    return status;
  }

  private ss(n: SimNode): string {
    const rows = [
      'Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess',
      'udp   UNCONN 0      0         127.0.0.53%lo:53         0.0.0.0:*',
      `udp   UNCONN 0      0               0.0.0.0:41641      0.0.0.0:*    users:(("tailscaled",pid=903,fd=12))`,
      `tcp   LISTEN 0      128             0.0.0.0:${this.w.sshPort}       0.0.0.0:*    users:(("sshd",pid=951,fd=3))`,
      `tcp   LISTEN 0      2048            0.0.0.0:8765       0.0.0.0:*    users:(("python",pid=1422,fd=9))`,
    ];
    if (n.daemon === 'running') rows.push(`tcp   LISTEN 0      2048            0.0.0.0:8770       0.0.0.0:*    users:(("python",pid=${n.daemonPid},fd=7))`);
    if (n === this.c.coordinator) rows.push(`tcp   LISTEN 0      2048            0.0.0.0:8001       0.0.0.0:*    users:(("python",pid=1422,fd=11))`);
    return rows.join('\n') + '\n';
  }

  /**
   * The processes `pkill`/`pgrep` can see on the node: the daemon and every shell running a
   * script. With -f the pattern is matched against whole command lines (as procps does), so a
   * shell whose command line contains the pattern's text matches: `[p]2p_daemon` avoids that.
   */
  private matching(args: string[], x: Ctx, verb: 'pkill' | 'pgrep'): { hits: Array<{ pid: number; cmdline: string; kill: () => void }> } | number {
    const full = args.includes('-f') || args.some((a) => /^-[a-z]*f[a-z]*$/.test(a));
    const pattern = args.filter((a) => !a.startsWith('-'))[0];
    if (pattern === undefined) {
      x.io.err.write(`${verb}: no matching criteria specified\nTry \`${verb} --help' for more information.\n`);
      return 2;
    }
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch {
      x.io.err.write(`${verb}: invalid regular expression\n`);
      return 2;
    }
    const n = x.s.node;
    const signal = args.some((a) => a === '-9' || a === '-KILL' || a === '-SIGKILL') ? 'KILL' : 'TERM';
    const hits: Array<{ pid: number; cmdline: string; kill: () => void }> = [];
    if (n.daemon !== 'stopped') {
      const cmdline = 'python -m app.distributed.p2p_daemon';
      if (re.test(full ? cmdline : 'python')) hits.push({ pid: n.daemonPid, cmdline, kill: () => void this.c.killDaemon(n, signal) });
    }
    for (const p of this.procs.get(n) ?? []) {
      const name = p.cmdline.split(' ')[0]!;
      if (re.test(full ? p.cmdline : name)) hits.push({ pid: p.pid, cmdline: p.cmdline, kill: () => void (p.session.signal ??= signal) });
    }
    return { hits };
  }

  private pkill(args: string[], x: Ctx): number {
    const m = this.matching(args, x, 'pkill');
    if (typeof m === 'number') return m;
    this.c.record(x.s.node.name, 'ssh', x.text);
    for (const h of m.hits) h.kill();
    return m.hits.length > 0 ? 0 : 1;
  }

  private pgrep(args: string[], x: Ctx): number {
    const m = this.matching(args, x, 'pgrep');
    if (typeof m === 'number') return m;
    const list = args.some((a) => /^-[a-z]*[al][a-z]*$/.test(a));
    for (const h of m.hits) x.io.out.write(list ? `${h.pid} ${h.cmdline}\n` : `${h.pid}\n`);
    return m.hits.length > 0 ? 0 : 1;
  }

  private async python(args: string[], x: Ctx): Promise<number> {
    const n = x.s.node;
    if (args[0] === '-m') {
      const mod = args[1] ?? '';
      if (mod === 'app.distributed.p2p_daemon') {
        if (x.s.cwd !== this.serviceDir()) {
          x.io.err.write(`/usr/bin/python: Error while finding module specification for '${mod}' (ModuleNotFoundError: No module named 'app')\n`);
          return 1;
        }
        this.c.record(n.name, 'ssh', x.text);
        this.c.startDaemon(n, x.logPath);
        return 0;
      }
      x.io.err.write(`/usr/bin/python: No module named ${mod}\n`);
      return 1;
    }
    if (args[0] === '-c') {
      const code = args[1] ?? '';
      if (code.includes('force_full_sync')) {
        this.c.record(n.name, 'ssh', x.text);
        if (n !== this.c.coordinator) {
          x.io.err.write(
            'Traceback (most recent call last):\n  File "<string>", line 6, in <module>\n' +
              `RuntimeError: AutoSyncDaemon: this node is not the sync coordinator (${this.c.coordinator.name})\n`,
          );
          return 1;
        }
        await this.c.forceFullSync((ms) => this.w.sleep(ms));
        return 0;
      }
      if (code.includes('json.load(sys.stdin)')) return pythonJson(code, x.io);
      if (code.includes('load_distributed_config')) {
        x.io.out.write(`Loaded ${this.c.nodes.length} hosts\n`);
        for (const h of this.c.nodes.slice(0, 5)) x.io.out.write(`  ${h.name}: ${h.host}\n`);
        return 0;
      }
      const mod = /^\s*(?:from|import)\s+([A-Za-z0-9_.]+)/m.exec(code)?.[1];
      if (mod !== undefined && !['sys', 'json', 'asyncio', 'os', 'time'].includes(mod)) {
        x.io.err.write(`Traceback (most recent call last):\n  File "<string>", line 2, in <module>\nModuleNotFoundError: No module named '${mod.split('.')[0]}'\n`);
        return 1;
      }
      return 0;
    }
    x.io.err.write('python: interactive interpreter is not simulated\n');
    return 2;
  }

  private async subShell(name: string, args: string[], x: Ctx): Promise<number> {
    const c = args.indexOf('-c');
    const script = c >= 0 ? args[c + 1] : args.includes('-s') || args.length === 0 ? x.io.stdin : undefined;
    if (script === undefined) {
      x.io.err.write(`bash: ${args[0]}: No such file or directory\n`);
      return 127;
    }
    const cmdline = [name, ...args].join(' ');
    const stdin = c >= 0 ? x.io.stdin : '';
    if (x.detached === true) {
      // nohup sh -c '…' &: outlives the session, and tailscale down cannot cut it.
      const s: Session = { ...x.s, env: new Map(x.s.env), via: 'detached', killed: false, signal: undefined };
      return this.runAsProcess(cmdline, script, s, x.io.out, x.io.err, stdin);
    }
    const s: Session = { ...x.s, env: new Map(x.s.env), signal: undefined };
    const status = await this.runAsProcess(cmdline, script, s, x.io.out, x.io.err, stdin);
    if (s.killed) x.s.killed = true;
    return status;
  }

  private tailscale(args: string[], x: Ctx): number {
    const n = x.s.node;
    const sub = args[0] ?? 'status';
    if (sub === 'status') {
      if (args.includes('--json')) {
        x.io.out.write(JSON.stringify(this.w.tailscaleJson(n), null, 2) + '\n');
        return 0;
      }
      const text = this.w.tailscaleText(n);
      if (text === null) {
        x.io.out.write('Tailscale is stopped.\n');
        return 1;
      }
      x.io.out.write(text);
      return 0;
    }
    if (sub === 'ip') {
      if (!n.tailscaleUp) {
        x.io.err.write('Tailscale is stopped.\n');
        return 1;
      }
      x.io.out.write(this.c.liveHost(n) + '\n');
      return 0;
    }
    if (sub === 'up' || sub === 'down') {
      if (x.root !== true) {
        x.io.err.write(`Access denied: prefs write access denied\n\nUse 'sudo tailscale ${sub}'.\n`);
        return 1;
      }
      this.c.record(n.name, 'ssh', x.text);
      if (sub === 'up') this.c.tailscaleUpCmd(n);
      else {
        this.c.tailscaleDown(n);
        // The session itself rides on the Tailscale address: it dies right after this command.
        if (x.s.via === 'primary') x.s.killed = true;
        this.w.dropPrimarySessions(n);
      }
      return 0;
    }
    x.io.err.write(`tailscale: unknown subcommand: ${sub}\n`);
    return 1;
  }

  private systemctl(args: string[], x: Ctx): number {
    const [verb, unitRaw] = args.filter((a) => !a.startsWith('-'));
    const unit = (unitRaw ?? '').replace(/\.service$/, '');
    if (verb === 'status' || verb === 'is-active') {
      x.io.out.write(verb === 'is-active' ? 'active\n' : `● ${unit}.service\n     Active: active (running)\n`);
      return 0;
    }
    if (verb !== 'restart' && verb !== 'start' && verb !== 'stop') {
      x.io.err.write(`Unknown command verb ${verb ?? ''}.\n`);
      return 1;
    }
    if (x.root !== true) {
      x.io.err.write(`Failed to ${verb} ${unit}.service: Interactive authentication required.\nSee system logs and 'systemctl status ${unit}.service' for details.\n`);
      return 1;
    }
    const known = ['systemd-networkd', 'tailscaled', 'ssh', 'sshd'];
    if (!known.includes(unit)) {
      x.io.err.write(`Failed to ${verb} ${unit}.service: Unit ${unit}.service not found.\n`);
      return 5;
    }
    this.c.record(x.s.node.name, 'ssh', x.text);
    if (unit === 'systemd-networkd' && verb === 'restart') this.c.networkdRestart(x.s.node);
    if (unit === 'tailscaled' && verb === 'restart') {
      this.c.tailscaleDown(x.s.node);
      this.c.tailscaleUpCmd(x.s.node);
    }
    return 0;
  }

  private async curl(args: string[], x: Ctx): Promise<number> {
    let silent = false;
    let showErr = false;
    let fail = false;
    let method: string | undefined;
    let connectTimeout: number | undefined;
    let maxTime: number | undefined;
    let outFile: string | undefined;
    let writeOut: string | undefined;
    let data: string | undefined;
    const headers: Record<string, string> = {};
    let url: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const val = (): string => args[++i] ?? '';
      if (a === '-X' || a === '--request') method = val();
      else if (a === '-H' || a === '--header') {
        const h = val();
        // curl 7.55+: `-H @-` / `-H @file` read headers one per line, so a secret header stays
        // out of the command line (and out of `ps`, shell history and our mutation log).
        const lines = h === '@-' ? (x.io.lazyStdin ? await x.io.lazyStdin() : x.io.stdin) : h.startsWith('@') ? this.c.files(x.s.node).get(this.abs(h.slice(1), x.s)) : h;
        if (lines === undefined) {
          x.io.err.write(`curl: option -H: error encountered when reading a file\n`);
          return 26;
        }
        for (const line of lines.split(/\r?\n/)) {
          const c = line.indexOf(':');
          if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
        }
      } else if (a === '--connect-timeout') connectTimeout = Number(val());
      else if (a === '-m' || a === '--max-time') maxTime = Number(val());
      else if (a === '-o' || a === '--output') outFile = val();
      else if (a === '-w' || a === '--write-out') writeOut = val();
      else if (a === '-d' || a === '--data' || a === '--data-raw') data = val();
      else if (a === '--silent') silent = true;
      else if (a === '--show-error') showErr = true;
      else if (a === '--fail') fail = true;
      else if (/^-[a-zA-Z]+$/.test(a)) {
        for (const f of a.slice(1)) {
          if (f === 's') silent = true;
          else if (f === 'S') showErr = true;
          else if (f === 'f') fail = true;
          else if (f === 'L' || f === 'k' || f === 'v' || f === 'i') continue;
          else {
            x.io.err.write(`curl: option -${f}: is unknown\n`);
            return 2;
          }
        }
      } else if (a.startsWith('-')) continue;
      else url = a;
    }
    if (url === undefined) {
      x.io.err.write("curl: try 'curl --help' for more information\n");
      return 2;
    }
    const m = /^(?:(https?):\/\/)?([^/:?#]+)(?::(\d+))?([^#]*)$/.exec(url);
    if (m === null) {
      x.io.err.write(`curl: (3) URL rejected: Malformed input to a URL function\n`);
      return 3;
    }
    const host = m[2]!;
    const port = m[3] !== undefined ? Number(m[3]) : m[1] === 'https' ? 443 : 80;
    const path = m[4] === '' ? '/' : m[4]!.startsWith('/') ? m[4]! : `/${m[4]!}`;
    const verb = method ?? (data !== undefined ? 'POST' : 'GET');
    const say = (code: number, msg: string): number => {
      if (!silent || showErr) x.io.err.write(`curl: (${code}) ${msg}\n`);
      return code;
    };
    const r = this.w.request(x.s.node, host, port, verb, path, headers, x.text);
    switch (r.kind) {
      case 'unresolved':
        return say(6, `Could not resolve host: ${host}`);
      case 'refused':
        return say(7, `Failed to connect to ${host} port ${port} after 0 ms: Couldn't connect to server`);
      case 'reset':
        return say(56, 'Recv failure: Connection reset by peer');
      case 'timeout': {
        const secs = Math.min(connectTimeout ?? maxTime ?? 300, maxTime ?? Infinity);
        await this.w.sleep(secs * 1000 * this.w.timeScale);
        return say(28, `Connection timed out after ${Math.round(secs * 1000)} milliseconds`);
      }
      case 'ok': {
        const res = r.response;
        if (fail && res.status >= 400) return say(22, `The requested URL returned error: ${res.status}`);
        const body = res.body;
        if (outFile !== undefined && outFile !== '/dev/null') this.c.files(x.s.node).set(this.abs(outFile, x.s), body);
        else if (outFile === undefined) x.io.out.write(body);
        if (writeOut !== undefined) x.io.out.write(writeOut.replace(/%\{http_code\}/g, String(res.status)).replace(/\\n/g, '\n'));
        return 0;
      }
    }
  }
}

interface Ctx {
  s: Session;
  io: Io;
  /** Source text of the simple command (what the mutation log records). */
  text: string;
  pipeline: Pipeline;
  /** Where a backgrounded daemon's stdout goes (the p2p log), if redirected to a file. */
  logPath: string | null;
  root?: boolean;
  detached?: boolean;
}

/** bash -c runs a lone simple command by exec, without a shell process of its own. */
function oneShot(command: string): boolean {
  try {
    const items = parseScript(command);
    const only = items[0];
    return items.length === 1 && !only!.background && only!.andOr.rest.length === 0 && only!.andOr.first.commands.length === 1 && !only!.andOr.first.negate;
  } catch {
    return false;
  }
}

function hex2(n: number): string {
  return (n & 255).toString(16).padStart(2, '0');
}

function hhmm(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

function uptime(bootedAt: number): string {
  const now = Date.now();
  const mins = Math.floor((now - bootedAt) / 60_000);
  const days = Math.floor(mins / 1440);
  const h = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  const clock = new Date(now).toISOString().slice(11, 19);
  return ` ${clock} up ${days} days, ${String(h).padStart(2)}:${String(m).padStart(2, '0')},  1 user,  load average: 0.52, 0.58, 0.59\n`;
}

/** grep with -E/-v/-i/-c/-q/-F; basic regexps are translated to JS (`\|` alternation etc.). */
function grep(args: string[], io: Io): number {
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
function jq(args: string[], io: Io): number {
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

/** The runbook's `python3 -c '… json.load(sys.stdin) …'` one-liners (§3.1, §4.1). */
function pythonJson(code: string, io: Io): number {
  let d: unknown;
  try {
    d = JSON.parse(io.stdin);
  } catch {
    io.err.write(
      'Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n' +
        '  File "/usr/lib/python3.10/json/__init__.py", line 293, in load\n' +
        'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n',
    );
    return 1;
  }
  const obj = (d ?? {}) as Record<string, unknown>;
  const pyStr = (v: unknown): string => (v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const get = (key: string, dflt: string): string => (key in obj ? pyStr(obj[key]) : dflt);
  const GET = /\.get\(\s*\\?["']([^"'\\]+)\\?["']\s*(?:,\s*(\\?["'][^"'\\]*\\?["']|-?\d+))?\s*\)/g;
  const lit = (s: string | undefined): string => (s === undefined ? 'None' : s.replace(/^\\?["']|\\?["']$/g, ''));
  for (const m of code.matchAll(/print\((.*)\)\s*$/gm)) {
    let expr = m[1]!;
    if (/^f["']/.test(expr)) {
      expr = expr.slice(2, -1).replace(/\{[^{}]*\}/g, (inner) => {
        const g = new RegExp(GET.source).exec(inner);
        return g === null ? '' : get(g[1]!, lit(g[2]));
      });
      io.out.write(expr + '\n');
    } else {
      const g = new RegExp(GET.source).exec(expr);
      io.out.write((g === null ? pyStr(obj) : get(g[1]!, lit(g[2]))) + '\n');
    }
  }
  return 0;
}

export { SIM_PORTS };
