// Only the leak demonstration (./demo.ts runs it), with the suite's globalSetup.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/leak-check/*.demo.ts'],
    globalSetup: ['test/global-secret-scan.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
