// `cat`, `head` and `tail` over the node's files (the p2p log of §4.1) or stdin.
import { absPath, isDir } from '../paths.js';
import type { Command } from '../types.js';

function readFile(name: 'cat' | 'head' | 'tail'): Command {
  return (args, x) => {
    let count = 10;
    const paths: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '-n' && name !== 'cat') count = Number(args[++i]);
      else if (/^-n?\d+$/.test(a)) count = Number(a.replace(/^-n?/, ''));
      else if (a === '-f' || a === '-F') {
        x.io.err.write(`${name}: following files is not simulated\n`);
        return 1;
      } else paths.push(a);
    }
    const c = x.world.cluster;
    const sources =
      paths.length === 0
        ? [{ label: '-', text: x.io.stdin as string | undefined }]
        : paths.map((p) => ({ label: p, text: c.files(x.s.node).get(absPath(p, x.s.cwd)) }));
    let status = 0;
    for (const src of sources) {
      if (src.text === undefined) {
        x.io.err.write(
          isDir(c, absPath(src.label, x.s.cwd))
            ? `${name}: ${src.label}: Is a directory\n`
            : `${name}: cannot open '${src.label}' for reading: No such file or directory\n`,
        );
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
  };
}

export const FILE_COMMANDS = {
  cat: readFile('cat'),
  head: readFile('head'),
  tail: readFile('tail'),
} satisfies Record<string, Command>;
