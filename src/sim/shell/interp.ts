// The simulated shell's run loop: parses a script and runs its lists, and-or chains and
// pipelines against one node; each simple command is looked up in the dispatch table
// (commands/index.ts). Output imitates the real tools closely enough for the runbook's greps
// and parsers.
import { lookupCommand } from './commands/index.js';
import { expandWord } from './expand.js';
import { type ListItem, type Pipeline, type SimpleCommand, type Word, parseScript, ShellSyntaxError } from './parse.js';
import { ProcessTable } from './processes.js';
import { applyRedirects } from './redirects.js';
import { DEV_NULL, ExitRequest, halted, signalStatus } from './session.js';
import type { CommandContext, Io, Session, ShellApi, ShellWorld, Sink, StdinSource } from './types.js';

/** A forked job (`… &`) gets going this long after the shell moves on. */
const BACKGROUND_START_MS = 30;

export class Shell implements ShellApi {
  readonly processes = new ProcessTable();

  constructor(private readonly w: ShellWorld) {}

  /**
   * Runs an SSH exec request the way sshd does: `bash -c <command>`. bash execs a lone simple
   * command in place of itself, so only a script with more than that leaves a shell process
   * whose command line (the whole command) `ps` and `pkill -f` see — and `pkill -f p2p_daemon`
   * in such a script kills its own shell (exit 143 on Linux).
   */
  runSshCommand(command: string, s: Session, out: Sink, err: Sink, stdin: StdinSource = ''): Promise<number> {
    return this.runAsProcess(oneShot(command) ? null : `bash -c ${command}`, command, s, out, err, stdin);
  }

  async runAsProcess(cmdline: string | null, script: string, s: Session, out: Sink, err: Sink, stdin: StdinSource = ''): Promise<number> {
    if (cmdline === null) return this.run(script, s, out, err, stdin);
    const exited = this.processes.start(cmdline, s);
    try {
      return await this.run(script, s, out, err, stdin);
    } finally {
      exited();
    }
  }

  /**
   * Runs a whole script; resolves with the exit status of the last command. `stdin` may be a
   * reader of the session's stdin that is only awaited by a command that reads it.
   */
  async run(script: string, s: Session, out: Sink, err: Sink, stdin: StdinSource = ''): Promise<number> {
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
      if (e instanceof ExitRequest) return s.signal !== undefined ? signalStatus(s.signal) : e.code;
      throw e;
    }
    return s.signal !== undefined ? signalStatus(s.signal) : s.status;
  }

  expand(word: Word, s: Session): string {
    return expandWord(word, s);
  }

  /** Runs argv[0] from the dispatch table with the rest as its arguments. */
  async exec(argv: string[], x: CommandContext): Promise<number> {
    const [name, ...args] = argv as [string, ...string[]];
    const command = lookupCommand(name);
    if (command === undefined) {
      x.io.err.write(`bash: ${name}: command not found\n`);
      return 127;
    }
    return command(args, x);
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
      // Only the first command of a pipeline reads the session's stdin.
      lazyStdin = undefined;
    }
    return p.negate ? (status === 0 ? 1 : 0) : status;
  }

  private async simple(cmd: SimpleCommand, s: Session, io: Io, p: Pipeline): Promise<number> {
    const argv = cmd.words.map((w) => expandWord(w, s));
    // Leading VAR=value assignments.
    while (argv.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!)) {
      const a = argv.shift()!;
      const eq = a.indexOf('=');
      s.env.set(a.slice(0, eq), a.slice(eq + 1));
    }
    const r = applyRedirects(cmd.redirects, s, io, this.w.cluster, (w) => expandWord(w, s));
    if (typeof r === 'number') return r;
    if (argv.length === 0) {
      r.flush();
      return 0;
    }
    const status = await this.exec(argv, { shell: this, world: this.w, s, io: r.io, text: cmd.text, pipeline: p, logPath: r.logPath });
    r.flush();
    return status;
  }
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
