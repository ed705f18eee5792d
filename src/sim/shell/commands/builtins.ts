// bash builtins the runbook's scripts use: output, status, environment, directory, sleep.
import { absPath, isDir } from '../paths.js';
import { ExitRequest, HOME } from '../session.js';
import type { Command } from '../types.js';

const echo: Command = (args, x) => {
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
  x.io.out.write(text + (nl ? '\n' : ''));
  return 0;
};

const exit: Command = (args, x) => {
  throw new ExitRequest(args[0] === undefined ? x.s.status : Number(args[0]) & 255);
};

const exportVars: Command = (args, x) => {
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) x.s.env.set(a.slice(0, eq), a.slice(eq + 1));
  }
  return 0;
};

const cd: Command = (args, x) => {
  const target = absPath(args[0] ?? HOME, x.s.cwd);
  if (!isDir(x.world.cluster, target)) {
    x.io.err.write(`bash: cd: ${args[0]}: No such file or directory\n`);
    return 1;
  }
  x.s.cwd = target;
  return 0;
};

/** `sleep N` lasts N × time-scale seconds. */
const sleep: Command = async (args, x) => {
  const secs = Number(String(args[0] ?? '').replace(/s$/, ''));
  if (!Number.isFinite(secs) || secs < 0) {
    x.io.err.write(`sleep: invalid time interval '${args[0] ?? ''}'\n`);
    return 1;
  }
  await x.world.sleep(secs * 1000 * x.world.timeScale);
  return 0;
};

export const BUILTINS = {
  echo,
  true: () => 0,
  ':': () => 0,
  false: () => 1,
  exit,
  export: exportVars,
  // Background jobs are detached from the start: there is nothing to wait for.
  wait: () => 0,
  cd,
  pwd: (_args, x) => {
    x.io.out.write(x.s.cwd + '\n');
    return 0;
  },
  sleep,
} satisfies Record<string, Command>;
