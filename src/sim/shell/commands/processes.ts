// `ps aux`, `pkill [-u USER] [-f] [-9]` and `pgrep [-u USER] [-f] [-a|-l]`: the p2p daemon (§4.1
// stop) and every shell process running a script on the node, matched as procps matches them.
// Processes have owners: the SSH user's, or root's (`sudo bash -c …`). The SSH user may signal
// only its own (another account's: EPERM), so a `pkill -f` without `-u "$USER"` that matches a
// root process named like the daemon fails on it, and a `pgrep -f` still lists it.
import type { Command, CommandContext } from '../types.js';

const DAEMON_CMDLINE = 'python -m app.distributed.p2p_daemon';
/** The SSH user every simulated session runs as ($USER in session.ts), and its uid. */
const SHELL_USER = 'ubuntu';
const SHELL_UID = 1000;

function hhmm(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

function psTable(x: CommandContext): string {
  const n = x.s.node;
  const rows = [
    'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
    'root           1  0.0  0.1 167744 13056 ?        Ss   Nov17   0:41 /sbin/init',
    'systemd+     612  0.0  0.0  16116  8064 ?        Ss   Nov17   0:02 /lib/systemd/systemd-networkd',
    'root         903  0.1  0.2 1249304 45320 ?       Ssl  Nov17  21:13 /usr/sbin/tailscaled --state=/var/lib/tailscale/tailscaled.state --socket=/run/tailscale/tailscaled.sock --port=41641',
    `root         951  0.0  0.0  15436  9216 ?        Ss   Nov17   0:00 sshd: /usr/sbin/sshd -D -p ${x.world.sshPort} [listener] 0 of 10-100 startups`,
    `ubuntu      1422  0.4  1.1 2841732 731220 ?      Sl   Nov17  88:12 python -m uvicorn app.main:app --host 0.0.0.0 --port ${x.world.cluster.ports.http_api}`,
  ];
  if (n.daemon !== 'stopped') {
    rows.push(`ubuntu     ${String(n.daemonPid).padStart(5)} 12.3  1.4 4582120 912344 ?     Sl   ${hhmm(n.daemonSince)}   1:02 ${DAEMON_CMDLINE}`);
  }
  // Shells running scripts show their whole command line (ps prints a newline as '?').
  for (const p of x.shell.processes.on(n)) {
    rows.push(`${ownerOf(p).padEnd(11)}${String(p.pid).padStart(5)}  0.0  0.0   8908  3712 ?        Ss   ${hhmm(Date.now())}   0:00 ${p.cmdline.replace(/[\n\t]/g, '?')}`);
  }
  // The other members of the pipeline are processes too (`ps aux | grep p2p` shows the grep).
  for (const c of x.pipeline.commands) {
    if (c.text === x.text) continue;
    const argv = c.words.map((w) => x.shell.expand(w, x.s)).join(' ');
    rows.push(`ubuntu     ${String(48_000 + (c.text.length % 900)).padStart(5)}  0.0  0.0   6480  2304 ?        S    ${hhmm(Date.now())}   0:00 ${argv}`);
  }
  return rows.join('\n') + '\n';
}

interface Hit {
  pid: number;
  cmdline: string;
  owner: string;
  kill: () => void;
}

const ownerOf = (p: { session: { user?: string } }): string => p.session.user ?? SHELL_USER;

/**
 * The processes `pkill`/`pgrep` can see on the node: the daemon and every shell running a
 * script. With -f the pattern is matched against whole command lines (as procps does), so a
 * shell whose command line contains the pattern's text matches: `[p]2p_daemon` avoids that.
 * Returns an exit status instead when the arguments are bad.
 */
function matching(args: string[], x: CommandContext, verb: 'pkill' | 'pgrep'): Hit[] | number {
  const full = args.some((a) => /^-[a-z]*f[a-z]*$/.test(a));
  // `-u USER`: only that user's processes (the SSH user's by name or uid, or root's).
  const userAt = args.indexOf('-u');
  const user = userAt >= 0 ? args[userAt + 1] : undefined;
  const pattern = args.filter((a, i) => !a.startsWith('-') && !(userAt >= 0 && i === userAt + 1))[0];
  const wanted = user === String(SHELL_UID) ? SHELL_USER : user === '0' ? 'root' : user;
  const owned = (owner: string): boolean => wanted === undefined || owner === wanted;
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
  const c = x.world.cluster;
  const signal = args.some((a) => a === '-9' || a === '-KILL' || a === '-SIGKILL') ? 'KILL' : 'TERM';
  const hits: Hit[] = [];
  if (n.daemon !== 'stopped' && owned(SHELL_USER) && re.test(full ? DAEMON_CMDLINE : 'python')) {
    hits.push({ pid: n.daemonPid, cmdline: DAEMON_CMDLINE, owner: SHELL_USER, kill: () => void c.killDaemon(n, signal) });
  }
  for (const p of x.shell.processes.on(n)) {
    const name = p.cmdline.split(' ')[0]!;
    if (owned(ownerOf(p)) && re.test(full ? p.cmdline : name)) {
      hits.push({ pid: p.pid, cmdline: p.cmdline, owner: ownerOf(p), kill: () => void (p.session.signal ??= signal) });
    }
  }
  return hits;
}

const pkill: Command = (args, x) => {
  const hits = matching(args, x, 'pkill');
  if (typeof hits === 'number') return hits;
  x.world.cluster.record(x.s.node.name, 'ssh', x.text);
  let killed = 0;
  for (const h of hits) {
    // Without sudo, only the SSH user's own processes can be signalled (as kill(2) allows).
    if (x.root !== true && h.owner !== SHELL_USER) {
      x.io.err.write(`pkill: killing pid ${h.pid} failed: Operation not permitted\n`);
      continue;
    }
    h.kill();
    killed++;
  }
  return killed > 0 ? 0 : 1;
};

const pgrep: Command = (args, x) => {
  const hits = matching(args, x, 'pgrep');
  if (typeof hits === 'number') return hits;
  const list = args.some((a) => /^-[a-z]*[al][a-z]*$/.test(a));
  for (const h of hits) x.io.out.write(list ? `${h.pid} ${h.cmdline}\n` : `${h.pid}\n`);
  return hits.length > 0 ? 0 : 1;
};

export const PROCESS_TOOLS = {
  ps: (_args, x) => {
    x.io.out.write(psTable(x));
    return 0;
  },
  pkill,
  pgrep,
} satisfies Record<string, Command>;
