// Maps a YAML path (["hosts", 2, "port"]) to the 1-based line that holds it, so config errors
// can name a line. js-yaml keeps no node positions and config files are block-style YAML, so
// an indentation walk is enough; flow-style parts resolve to the nearest enclosing line.

interface Line {
  no: number;
  indent: number;
  text: string;
}

function meaningfulLines(source: string): Line[] {
  return source.split(/\r?\n/).flatMap((raw, i) => {
    const text = raw.replace(/(^|\s)#.*$/, '').trimEnd();
    if (text.trim() === '' || text.trim() === '---') return [];
    const indent = text.length - text.trimStart().length;
    return [{ no: i + 1, indent, text: text.trimStart() }];
  });
}

function keyOf(text: string): string | undefined {
  return /^(["']?)([^"':#{}[\],]+?)\1\s*:(\s|$)/.exec(text)?.[2];
}

/** Lines after `lines[at]` that are indented deeper than `indent`: the value of that node. */
function childBlock(lines: Line[], at: number, indent: number): Line[] {
  let end = at + 1;
  // "key:\n- item" puts a sequence at the key's own indent; it still belongs to the key.
  const compactSequence = lines[at + 1]?.indent === indent && /^-( |$)/.test(lines[at + 1]!.text);
  while (
    end < lines.length &&
    (lines[end]!.indent > indent || (compactSequence && lines[end]!.indent === indent && /^-( |$)/.test(lines[end]!.text)))
  )
    end++;
  return lines.slice(at + 1, end);
}

/** Returns the line of the deepest part of `path` that could be found (undefined for the root). */
export function locateYamlPath(source: string, path: ReadonlyArray<string | number>): number | undefined {
  let block = meaningfulLines(source);
  let found: number | undefined;
  for (const segment of path) {
    const first = block[0];
    if (first === undefined) return found;
    const indent = first.indent;
    const siblings = block.map((l, i) => ({ l, i })).filter(({ l }) => l.indent === indent);
    let hit: { l: Line; i: number } | undefined;
    if (typeof segment === 'number') {
      hit = siblings.filter(({ l }) => l.text === '-' || l.text.startsWith('- '))[segment];
      if (hit === undefined) return found;
      // The item's own content: the text after "- " re-indented, followed by its deeper lines.
      const rest = hit.l.text.slice(1).trimStart();
      const inner = rest === '' ? [] : [{ no: hit.l.no, indent: indent + hit.l.text.length - rest.length, text: rest }];
      found = hit.l.no;
      block = [...inner, ...childBlock(block, hit.i, indent)];
    } else {
      hit = siblings.find(({ l }) => keyOf(l.text) === segment);
      if (hit === undefined) return found;
      found = hit.l.no;
      block = childBlock(block, hit.i, indent);
    }
  }
  return found;
}
