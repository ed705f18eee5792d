// Word expansion: quotes, `~`, `$VAR`, `${VAR}` and `$?` (no globbing, no command substitution).
import type { Word } from './parse.js';
import { HOME } from './session.js';
import type { Session } from './types.js';

export function expandWord(word: Word, s: Session): string {
  let out = '';
  word.forEach((seg, i) => {
    let t = seg.text;
    if (seg.quote === 'single') {
      out += t;
      return;
    }
    if (i === 0 && seg.quote === 'none' && (t === '~' || t.startsWith('~/'))) t = HOME + t.slice(1);
    // \uE000 marks a `$` the parser saw escaped (`\$`): it stays literal.
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
