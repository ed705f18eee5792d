// Commands that run other commands: `nohup`, `sudo`, and `bash`/`sh` with a script.
import type { Command, Session } from '../types.js';

const nohup: Command = (args, x) => {
  if (args.length === 0) {
    x.io.err.write('nohup: missing operand\n');
    return 125;
  }
  return x.shell.exec(args, { ...x, detached: true });
};

const sudo: Command = (args, x) => {
  if (args.length === 0) {
    x.io.err.write('usage: sudo command\n');
    return 1;
  }
  return x.shell.exec(args, { ...x, root: true });
};

/** `bash -c '<script>'`, `bash -s` / `bash` (script on stdin): a child shell process that `ps` shows. */
function subShell(name: 'bash' | 'sh'): Command {
  return async (args, x) => {
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
      const s: Session = { ...x.s, env: new Map(x.s.env), via: 'detached', killed: false, signal: undefined, ...(x.root === true && { user: 'root' }) };
      return x.shell.runAsProcess(cmdline, script, s, x.io.out, x.io.err, stdin);
    }
    const s: Session = { ...x.s, env: new Map(x.s.env), signal: undefined, ...(x.root === true && { user: 'root' }) };
    const status = await x.shell.runAsProcess(cmdline, script, s, x.io.out, x.io.err, stdin);
    if (s.killed) x.s.killed = true;
    return status;
  };
}

export const WRAPPERS = {
  nohup,
  sudo,
  bash: subShell('bash'),
  sh: subShell('sh'),
} satisfies Record<string, Command>;
