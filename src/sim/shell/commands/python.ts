// `python -m app.distributed.p2p_daemon` (§4.1 start) and the runbook's `python -c` snippets:
// §4.4 force_full_sync on the coordinator, the §3.1/§4.1 JSON one-liners, the §4.6 config check.
import { serviceDir } from '../paths.js';
import type { Command, CommandContext, Io } from '../types.js';

const DAEMON_MODULE = 'app.distributed.p2p_daemon';

function runModule(mod: string, x: CommandContext): number {
  const c = x.world.cluster;
  if (mod !== DAEMON_MODULE) {
    x.io.err.write(`/usr/bin/python: No module named ${mod}\n`);
    return 1;
  }
  if (x.s.cwd !== serviceDir(c)) {
    x.io.err.write(`/usr/bin/python: Error while finding module specification for '${mod}' (ModuleNotFoundError: No module named 'app')\n`);
    return 1;
  }
  c.record(x.s.node.name, 'ssh', x.text);
  c.startDaemon(x.s.node, x.logPath);
  return 0;
}

async function runCode(code: string, x: CommandContext): Promise<number> {
  const c = x.world.cluster;
  const n = x.s.node;
  if (code.includes('force_full_sync')) {
    c.record(n.name, 'ssh', x.text);
    if (n !== c.coordinator) {
      x.io.err.write(
        'Traceback (most recent call last):\n  File "<string>", line 6, in <module>\n' +
          `RuntimeError: AutoSyncDaemon: this node is not the sync coordinator (${c.coordinator.name})\n`,
      );
      return 1;
    }
    await c.forceFullSync((ms) => x.world.sleep(ms));
    return 0;
  }
  if (code.includes('json.load(sys.stdin)')) return pythonJson(code, x.io);
  if (code.includes('load_distributed_config')) {
    x.io.out.write(`Loaded ${c.nodes.length} hosts\n`);
    for (const h of c.nodes.slice(0, 5)) x.io.out.write(`  ${h.name}: ${h.host}\n`);
    return 0;
  }
  const mod = /^\s*(?:from|import)\s+([A-Za-z0-9_.]+)/m.exec(code)?.[1];
  if (mod !== undefined && !['sys', 'json', 'asyncio', 'os', 'time'].includes(mod)) {
    x.io.err.write(`Traceback (most recent call last):\n  File "<string>", line 2, in <module>\nModuleNotFoundError: No module named '${mod.split('.')[0]}'\n`);
    return 1;
  }
  return 0;
}

const python: Command = (args, x) => {
  if (args[0] === '-m') return runModule(args[1] ?? '', x);
  if (args[0] === '-c') return runCode(args[1] ?? '', x);
  x.io.err.write('python: interactive interpreter is not simulated\n');
  return 2;
};

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

export const PYTHON = {
  python,
  python3: python,
} satisfies Record<string, Command>;
