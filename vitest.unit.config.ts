// `npm run test:unit`: the fast loop, only the files in test/unit-tier.ts (pure logic, no server),
// with a guard that fails any of them that starts a server or a process. Same log directory,
// secret scan and leftover check as `npm test` (vitest.config.ts), which runs every file and is
// what CI runs. Not mergeConfig: it would append this include to the base one and run every file.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';
import { UNIT_TEST_FILES } from './test/unit-tier.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: UNIT_TEST_FILES,
    setupFiles: [base.test?.setupFiles ?? [], 'test/setup/unit-tier.ts'].flat(),
    // Generated-input properties run 200 cases here (their saved regressions first); `npm test`
    // runs the 5,000 of the CI floor. An explicit FUZZ_RUNS wins.
    env: { FUZZ_RUNS: process.env['FUZZ_RUNS'] ?? '200' },
  },
});
