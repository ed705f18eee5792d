// The shell processes running on each node, as `ps`, `pkill -f` and `pgrep -f` see them.
import type { SimNode } from '../state-types.js';
import type { Session } from './types.js';

/** A shell process: its command line as sshd started it (`bash -c <command>`) or as a script
 *  started it (`sh -c <script>`). */
export interface ShellProcess {
  pid: number;
  cmdline: string;
  session: Session;
}

export class ProcessTable {
  private readonly byNode = new Map<SimNode, Set<ShellProcess>>();
  private nextPid = 52_000;

  /** Registers a shell running for `s`; call the returned function when it exits. */
  start(cmdline: string, s: Session): () => void {
    let set = this.byNode.get(s.node);
    if (set === undefined) this.byNode.set(s.node, (set = new Set()));
    const proc: ShellProcess = { pid: this.nextPid++, cmdline, session: s };
    set.add(proc);
    return () => set.delete(proc);
  }

  on(node: SimNode): Iterable<ShellProcess> {
    return this.byNode.get(node) ?? [];
  }
}
