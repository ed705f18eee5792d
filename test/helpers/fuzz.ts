// Generated-input harness (hostile input: docs/explanation/safety.md): every property runs FUZZ_RUNS cases (5,000 by default, the
// CI floor), replays the counterexamples saved by earlier failures first, and saves a new failure's
// shrunk counterexample beside them so it stays a regression test forever after.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';

const REGRESSIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'fuzz');

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

function regressionFile(target: string): string {
  return join(REGRESSIONS_DIR, `${target}.json`);
}

/** Long runs of one character (the generators' huge strings) are saved as {"$repeat", "times"}. */
function compact(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.length > 1_000 && value === value[0]!.repeat(value.length)) {
    return { $repeat: value[0], times: value.length };
  }
  return value;
}

function expand(_key: string, value: unknown): unknown {
  const v = value as { $repeat?: unknown; times?: unknown } | null;
  if (v !== null && typeof v === 'object' && typeof v.$repeat === 'string' && typeof v.times === 'number') {
    return v.$repeat.repeat(v.times);
  }
  return value;
}

function savedExamples<T>(target: string): T[] {
  const file = regressionFile(target);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8'), expand) as T[]) : [];
}

/**
 * Checks `property` over the saved regressions and FUZZ_RUNS generated cases. A failure is
 * shrunk by fast-check, appended to test/fixtures/fuzz/<target>.json (commit it), and reported
 * with the counterexample and the error.
 */
export async function checkProperty<T>(
  target: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => void | Promise<void>,
  opts: { runs?: number } = {},
): Promise<{ runs: number }> {
  const examples = savedExamples<T>(target);
  let cases = 0;
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (v) => {
      // Let vitest's worker answer its RPC now and then: thousands of synchronous cases in a
      // row would otherwise starve it ("Timeout calling onTaskUpdate").
      if (++cases % 50 === 0) await new Promise((r) => setImmediate(r));
      await predicate(v);
    }),
    {
      numRuns: opts.runs ?? FUZZ_RUNS,
      examples: examples.map((e) => [e] as [T]),
    },
  );
  if (details.failed) {
    const counterexample = details.counterexample![0];
    mkdirSync(REGRESSIONS_DIR, { recursive: true });
    writeFileSync(regressionFile(target), `${JSON.stringify([...examples, counterexample], compact, 2)}\n`);
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `${target}: property failed after ${details.numRuns} cases (seed ${details.seed}); shrunk counterexample ` +
        `saved to test/fixtures/fuzz/${target}.json:\n${JSON.stringify(counterexample, compact).slice(0, 2000)}\n${error}`,
    );
  }
  return { runs: details.numRuns };
}
