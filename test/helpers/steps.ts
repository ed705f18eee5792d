// Names the step of a long test that failed, with the tail of the output of the process under
// test: "step "diagnose --json lists 4 nodes" failed: …" says more than a bare assertion on line 60.
import { tail } from './process-group.js';

export async function step<T>(name: string, fn: () => Promise<T> | T, output?: { label: string; text: () => string }): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const shown = output ? `\n--- ${output.label}:\n${tail(output.text()) || '(no output)'}` : '';
    if (e instanceof Error) {
      // The same error object (an assertion keeps its expected/actual diff), its message extended.
      e.message = `step "${name}" failed: ${e.message}${shown}`;
      throw e;
    }
    throw new Error(`step "${name}" failed: ${String(e)}${shown}`);
  }
}
