// Reads a tutorial page into the steps its test runs. The page's own conventions, so a reader
// sees plain Markdown and the test sees what to run and what to look for:
//
//   ```bash            a block the reader types, run in order by the test
//   ```bash stack      the block that starts the stack (the test starts `runbook dev` itself)
//   ```text            what the block before it prints, as the reader sees it
//   <!-- expect: "w1" "w2" -->               words the real output must hold; each must also
//                                            appear in the shown ```text block, so the page
//                                            cannot claim one thing and check another
//   <!-- expect within 60 s: "w" -->         the same, running the block again until they appear
//   <!-- capture workflow-id: REGEX -->      later blocks' `<workflow-id>` is what REGEX matched
//
// Every command block needs an expect: a block the test runs and checks nothing of would let
// the page drift.

export interface DocStep {
  kind: 'stack' | 'run';
  /** The block's text, as the reader types it. */
  script: string;
  /** 1-based line of the block's opening fence, for messages. */
  line: number;
  /** What the page shows it printing. */
  shown: string;
  expect: string[];
  /** Run again until the words appear, for this long (a state the reader waits for). */
  withinMs?: number;
  capture?: { name: string; pattern: RegExp };
}

export class DocError extends Error {}

const FENCE = /^```(\w*)\s*(\S*)\s*$/;
const EXPECT = /^<!-- expect(?: within (\d+) s)?: (.*) -->$/;
const CAPTURE = /^<!-- capture ([a-z-]+): (.+) -->$/;
const WORD = /"((?:[^"\\]|\\.)*)"/g;

export function parseDocSteps(markdown: string, file: string): DocStep[] {
  const lines = markdown.split('\n');
  const steps: DocStep[] = [];
  const at = (i: number): string => `${file}:${i + 1}`;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
      if (i === lines.length) throw new DocError(`${at(start)}: code block never closed`);
      const [, lang, tag] = fence;
      if (lang === 'bash') {
        if (tag !== '' && tag !== 'stack') throw new DocError(`${at(start)}: unknown block tag "${tag}" (expected none or "stack")`);
        steps.push({ kind: tag === 'stack' ? 'stack' : 'run', script: body.join('\n'), line: start + 1, shown: '', expect: [] });
      } else if (lang === 'text') {
        const last = steps.at(-1);
        if (!last) throw new DocError(`${at(start)}: output block before any command block`);
        last.shown += `${body.join('\n')}\n`;
      }
      continue;
    }
    const expect = EXPECT.exec(line);
    if (expect) {
      const last = steps.at(-1);
      if (!last) throw new DocError(`${at(i)}: expect before any command block`);
      const words = [...expect[2]!.matchAll(WORD)].map((m) => JSON.parse(`"${m[1]}"`) as string);
      if (words.length === 0) throw new DocError(`${at(i)}: expect names no "word"`);
      for (const w of words) {
        if (!last.shown.includes(w)) throw new DocError(`${at(i)}: expects "${w}", which the page's output block above does not show`);
      }
      last.expect.push(...words);
      if (expect[1] !== undefined) last.withinMs = Number(expect[1]) * 1000;
      continue;
    }
    const capture = CAPTURE.exec(line);
    if (capture) {
      const last = steps.at(-1);
      if (!last) throw new DocError(`${at(i)}: capture before any command block`);
      const pattern = new RegExp(capture[2]!);
      if (!pattern.test(last.shown)) throw new DocError(`${at(i)}: capture ${capture[1]} matches nothing in the output block above`);
      last.capture = { name: capture[1]!, pattern };
      continue;
    }
    if (line.startsWith('<!-- expect') || line.startsWith('<!-- capture')) throw new DocError(`${at(i)}: cannot read "${line}"`);
  }
  for (const s of steps) {
    if (s.expect.length === 0) throw new DocError(`${file}:${s.line}: a command block with no <!-- expect: … --> after it`);
  }
  return steps;
}

/** The block with earlier captures in place of their `<name>` placeholders; an unknown one is an error. */
export function fillPlaceholders(step: DocStep, captured: ReadonlyMap<string, string>, file: string): string {
  return step.script.replace(/<([a-z-]+)>/g, (whole, name: string) => {
    const v = captured.get(name);
    if (v === undefined) throw new DocError(`${file}:${step.line}: <${name}> was not captured by an earlier block`);
    return v;
  });
}
