// Maps a YAML path (["hosts", 2, "port"]) to the 1-based line that holds it, so config errors
// can name a line. js-yaml (which validates the file) keeps no node positions; the `yaml`
// package's document model does, for block and flow style and for quoted or odd keys alike.
//
// Needed only when a file is wrong, so the package (some 70 modules) is loaded then, not by every
// command and worker that reads a valid config (it would add to every start-up). It ships CommonJS for
// Node, so a synchronous require keeps the loader synchronous.
import { createRequire } from 'node:module';
import type * as YamlModuleNs from 'yaml';
import type { LineCounter, Node } from 'yaml';

type YamlModule = typeof YamlModuleNs;
let loaded: YamlModule | undefined;
const yaml = (): YamlModule => (loaded ??= createRequire(import.meta.url)('yaml') as YamlModule);

/** A map key as the loader sees it: scalars by their value, anything else never matches. */
function keyText(key: unknown): string | undefined {
  return yaml().isScalar(key) ? String(key.value) : undefined;
}

/**
 * Parses `source` once and returns a lookup: the line of the deepest part of a path that could be
 * found (undefined for the root).
 */
export function yamlLineLocator(source: string): (path: ReadonlyArray<string | number>) => number | undefined {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  // Duplicate keys are js-yaml's error to report; here they must not stop the lookup.
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  return (path) => locate(doc.contents, lines, path);
}

function locate(root: unknown, lines: LineCounter, path: ReadonlyArray<string | number>): number | undefined {
  const lineAt = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lines.linePos(offset).line;
  const { isMap, isSeq } = yaml();
  let node: unknown = root;
  let found: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (pair === undefined) return found;
      found = lineAt((pair.key as Node | null)?.range?.[0] ?? (pair.value as Node | null)?.range?.[0]) ?? found;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (item === undefined) return found;
      found = lineAt(item.range?.[0]) ?? found;
      node = item;
    } else {
      return found;
    }
  }
  return found;
}
