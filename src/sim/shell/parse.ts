// A small POSIX-shell parser, enough for the runbook's commands: quoting, comments, line
// continuations, `;` `&&` `||` `|` `&`, newlines, redirections (`>`, `>>`, `<`, `2>`, `2>&1`,
// `&>`) and here-documents. Control structures (if/for/while, subshells) are a syntax error.

export type Segment = { text: string; quote: 'none' | 'single' | 'double' };
export type Word = Segment[];

export interface Redirect {
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<<';
  target: Word;
  /** Here-document body (op '<<'), already read. */
  body?: string;
  /** Expand $VAR in the body: the delimiter was not quoted. */
  expand?: boolean;
}

export interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
  /** Source text, as typed: the mutation log records it. */
  text: string;
}

export interface Pipeline {
  commands: SimpleCommand[];
  negate: boolean;
}

export interface AndOr {
  first: Pipeline;
  rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }>;
}

export interface ListItem {
  andOr: AndOr;
  background: boolean;
  text: string;
}

/** Thrown for input the shell cannot parse; bash's message is in `message`. */
export class ShellSyntaxError extends Error {
  override readonly name = 'ShellSyntaxError';
}

type Token =
  | { kind: 'word'; word: Word; start: number; end: number; raw: string }
  | { kind: 'op'; op: string; start: number; end: number }
  | { kind: 'redir'; fd: number; op: Redirect['op'] | '&>' | '<<-'; start: number; end: number }
  | { kind: 'nl'; start: number; end: number };

const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', '{', '}']);

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const pendingHeredocs: Array<{ redir: Token & { kind: 'redir' }; delim: string; strip: boolean; quoted: boolean }> = [];
  const bodies = new Map<Token, { body: string; quoted: boolean }>();
  let i = 0;
  const n = src.length;

  const readHeredocBodies = (): void => {
    for (const h of pendingHeredocs) {
      const lines: string[] = [];
      for (;;) {
        if (i >= n) throw new ShellSyntaxError(`warning: here-document delimited by end-of-file (wanted \`${h.delim}')`);
        let j = src.indexOf('\n', i);
        if (j === -1) j = n;
        let line = src.slice(i, j);
        i = j + 1;
        if (h.strip) line = line.replace(/^\t+/, '');
        if (line === h.delim) break;
        lines.push(line);
      }
      bodies.set(h.redir, { body: lines.length > 0 ? lines.join('\n') + '\n' : '', quoted: h.quoted });
    }
    pendingHeredocs.length = 0;
  };

  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      tokens.push({ kind: 'nl', start: i, end: i + 1 });
      i++;
      if (pendingHeredocs.length > 0) readHeredocBodies();
      continue;
    }
    const start = i;
    const three = src.slice(i, i + 3);
    const two = src.slice(i, i + 2);
    if (three === '<<-') {
      tokens.push({ kind: 'redir', fd: 0, op: '<<-', start, end: i + 3 });
      i += 3;
      continue;
    }
    if (two === '&&' || two === '||' || two === ';;') {
      tokens.push({ kind: 'op', op: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (two === '&>') {
      tokens.push({ kind: 'redir', fd: 1, op: '&>', start, end: i + 2 });
      i += 2;
      continue;
    }
    if (two === '>>' || two === '>&' || two === '<<') {
      tokens.push({ kind: 'redir', fd: two === '<<' ? 0 : 1, op: two as Redirect['op'], start, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === '>' || c === '<') {
      tokens.push({ kind: 'redir', fd: c === '<' ? 0 : 1, op: c, start, end: i + 1 });
      i++;
      continue;
    }
    if (c === ';' || c === '|' || c === '&' || c === '(' || c === ')') {
      tokens.push({ kind: 'op', op: c, start, end: i + 1 });
      i++;
      continue;
    }
    // A word: runs until an unquoted blank or operator character.
    const word: Word = [];
    let buf = '';
    const flush = (): void => {
      if (buf !== '') word.push({ text: buf, quote: 'none' });
      buf = '';
    };
    while (i < n) {
      const ch = src[i]!;
      if (' \t\r\n;|&<>()'.includes(ch)) break;
      if (ch === '\\') {
        if (src[i + 1] === '\n') {
          i += 2;
          continue;
        }
        flush();
        if (i + 1 < n) word.push({ text: src[i + 1]!, quote: 'single' });
        i += 2;
        continue;
      }
      if (ch === "'") {
        const j = src.indexOf("'", i + 1);
        if (j === -1) throw new ShellSyntaxError("unexpected EOF while looking for matching `''");
        flush();
        word.push({ text: src.slice(i + 1, j), quote: 'single' });
        i = j + 1;
        continue;
      }
      if (ch === '"') {
        flush();
        let text = '';
        let j = i + 1;
        for (;;) {
          if (j >= n) throw new ShellSyntaxError('unexpected EOF while looking for matching `"\'');
          const d = src[j]!;
          if (d === '"') break;
          if (d === '\\' && j + 1 < n) {
            const e = src[j + 1]!;
            if (e === '\n') {
              j += 2;
              continue;
            }
            if ('"\\$`'.includes(e)) {
              // Keep `\$` distinguishable from an expansion: mark it with a private-use character the expander drops.
              text += e === '$' ? '\uE000$' : e;
              j += 2;
              continue;
            }
          }
          text += d;
          j++;
        }
        word.push({ text, quote: 'double' });
        i = j + 1;
        continue;
      }
      buf += ch;
      i++;
    }
    flush();
    const raw = src.slice(start, i);
    // `2>` `2>>` `2>&1`: a word of digits directly followed by a redirection operator.
    if (/^[0-9]$/.test(raw) && (src[i] === '>' || src[i] === '<')) {
      const fd = Number(raw);
      const op2 = src.slice(i, i + 2);
      const op: Redirect['op'] = op2 === '>>' ? '>>' : op2 === '>&' ? '>&' : src[i] === '<' ? '<' : '>';
      i += op.length;
      tokens.push({ kind: 'redir', fd, op, start, end: i });
      continue;
    }
    tokens.push({ kind: 'word', word, start, end: i, raw });
    // A here-document's delimiter is the next word after `<<`.
    const prev = tokens[tokens.length - 2];
    if (prev?.kind === 'redir' && (prev.op === '<<' || prev.op === '<<-')) {
      pendingHeredocs.push({
        redir: prev,
        delim: word.map((s) => s.text).join(''),
        strip: prev.op === '<<-',
        quoted: word.some((s) => s.quote !== 'none'),
      });
    }
  }
  if (pendingHeredocs.length > 0) readHeredocBodies();
  for (const [tok, b] of bodies) (tok as Token & { heredoc?: { body: string; quoted: boolean } }).heredoc = b;
  return tokens;
}

/** Parses a script into a list of and-or lists, each optionally backgrounded. */
export function parseScript(src: string): ListItem[] {
  const tokens = tokenize(src);
  let p = 0;
  const items: ListItem[] = [];
  const peek = (): Token | undefined => tokens[p];
  const unexpected = (t: Token | undefined): never => {
    const what = t === undefined ? 'newline' : t.kind === 'nl' ? 'newline' : src.slice(t.start, t.end);
    throw new ShellSyntaxError(`syntax error near unexpected token \`${what}'`);
  };

  const parseSimple = (): SimpleCommand => {
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    const start = peek()?.start ?? src.length;
    let end = start;
    for (;;) {
      const t = peek();
      if (t === undefined) break;
      if (t.kind === 'word') {
        if (words.length === 0 && redirects.length === 0 && RESERVED.has(t.raw)) {
          throw new ShellSyntaxError(`syntax error near unexpected token \`${t.raw}' (control structures are not simulated)`);
        }
        words.push(t.word);
        end = t.end;
        p++;
        continue;
      }
      if (t.kind === 'redir') {
        p++;
        const target = peek();
        if (target?.kind !== 'word') unexpected(target);
        const tw = target as Token & { kind: 'word' };
        p++;
        end = tw.end;
        if (t.op === '&>') {
          redirects.push({ fd: 1, op: '>', target: tw.word }, { fd: 2, op: '>&', target: [{ text: '1', quote: 'none' }] });
        } else if (t.op === '<<' || t.op === '<<-') {
          const hd = (t as Token & { heredoc?: { body: string; quoted: boolean } }).heredoc;
          redirects.push({ fd: 0, op: '<<', target: tw.word, body: hd?.body ?? '', expand: !(hd?.quoted ?? true) });
        } else {
          redirects.push({ fd: t.fd, op: t.op, target: tw.word });
        }
        continue;
      }
      break;
    }
    if (words.length === 0 && redirects.length === 0) unexpected(peek());
    return { words, redirects, text: src.slice(start, end) };
  };

  const parsePipeline = (): Pipeline => {
    let negate = false;
    const t = peek();
    if (t?.kind === 'word' && t.raw === '!') {
      negate = true;
      p++;
    }
    const commands = [parseSimple()];
    for (;;) {
      const t2 = peek();
      if (t2?.kind === 'op' && t2.op === '|') {
        p++;
        while (peek()?.kind === 'nl') p++;
        commands.push(parseSimple());
        continue;
      }
      break;
    }
    return { commands, negate };
  };

  const parseAndOr = (): AndOr => {
    const first = parsePipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const t = peek();
      if (t?.kind === 'op' && (t.op === '&&' || t.op === '||')) {
        p++;
        while (peek()?.kind === 'nl') p++;
        rest.push({ op: t.op, pipeline: parsePipeline() });
        continue;
      }
      break;
    }
    return { first, rest };
  };

  while (p < tokens.length) {
    const t = peek()!;
    if (t.kind === 'nl') {
      p++;
      continue;
    }
    if (t.kind === 'op') unexpected(t);
    const start = t.start;
    const andOr = parseAndOr();
    const endTok = tokens[p - 1]!;
    let background = false;
    const sep = peek();
    if (sep?.kind === 'op' && (sep.op === '&' || sep.op === ';')) {
      background = sep.op === '&';
      p++;
    } else if (sep !== undefined && sep.kind !== 'nl') {
      unexpected(sep);
    }
    items.push({ andOr, background, text: src.slice(start, endTok.end) });
  }
  return items;
}
