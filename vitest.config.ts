import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A fresh shared log directory per run, scanned for secrets once every file has finished.
    globalSetup: ['test/global-secret-scan.ts'],
    // Worker, activity and server output goes to a log per test file, printed when a test fails.
    setupFiles: ['test/setup/file-log.ts'],
    // Real servers (Temporal, simulator, sshd) per file: two cores run two files at a time.
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
