// The contracts between the shell's run loop, its commands and the simulator around them.
// Commands import from here (never from interp.ts), so the dispatch table has no import cycle.
import type { SimCluster } from '../cluster.js';
import type { SimNode } from '../state-types.js';
import type { ApiResponse } from '../http-api.js';
import type { Pipeline, Word } from './parse.js';
import type { ProcessTable } from './processes.js';

export interface Sink {
  write(s: string): void;
}

/** What `curl` inside a node gets from the simulated network. */
export type Reach =
  | { kind: 'ok'; response: ApiResponse }
  | { kind: 'refused' }
  /** Connected, and the server spoke first in another protocol (an sshd's banner). */
  | { kind: 'not-http' }
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
  /** Keeps detached jobs (nohup … &) alive past their session; after stop() their sleeps never end. */
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
  /** The account the shell runs as when it is not the SSH user's (`sudo bash -c …` runs as root). */
  user?: string;
}

export interface Io {
  stdin: string;
  /**
   * The SSH channel's own stdin, read to EOF on demand: only a script's first command at top
   * level sees it, as with sshd (`ssh host 'curl -H @- …' <<< "$header"`).
   */
  lazyStdin?: () => Promise<string>;
  out: Sink;
  err: Sink;
}

/** A script's stdin: its text, or a reader of the session's stdin awaited only by a command that reads it. */
export type StdinSource = string | (() => Promise<string>);

/** What a command may ask of the shell that runs it. */
export interface ShellApi {
  /** Runs argv as a command in context `x` (nohup and sudo run the rest of their line). */
  exec(argv: string[], x: CommandContext): Promise<number>;
  /** Runs `script` as a process with command line `cmdline` (null: no shell process shows). */
  runAsProcess(cmdline: string | null, script: string, s: Session, out: Sink, err: Sink, stdin?: StdinSource): Promise<number>;
  expand(word: Word, s: Session): string;
  /** The shell processes visible to `ps`, `pkill -f` and `pgrep -f`. */
  readonly processes: ProcessTable;
}

/** Everything a command sees when it runs. */
export interface CommandContext {
  shell: ShellApi;
  world: ShellWorld;
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

/** One emulated command: arguments after its name, its context; resolves with the exit status. */
export type Command = (args: string[], x: CommandContext) => number | Promise<number>;
