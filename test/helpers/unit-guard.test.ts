// The unit tier's guard (test/helpers/unit-guard.ts): once installed, a server, a child process
// (also through a named import of node:child_process) or a Temporal server from the helpers
// throws, naming what started and where the file belongs; undone, they work again. And every
// file the unit tier lists exists and calls nothing that starts a Temporal server (the SDK's
// native code starts it, out of the guard's sight) or a simulator, worker or process.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createServer } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UNIT_TEST_FILES } from '../unit-tier.js';
import { installUnitGuard, refuseInUnitTier, StartedInUnitTierError, UNIT_TIER_ENV } from './unit-guard.js';

// In the unit tier this file runs with the guard already installed; under `npm test` without.
const alreadyGuarded = process.env[UNIT_TIER_ENV] === '1';
let undo: (() => void) | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
});

function listenOnce(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => server.close(() => resolve()));
  });
}

describe('unit tier guard', () => {
  it('refuses a server, a child process and a Temporal server from the helpers', () => {
    undo = installUnitGuard();
    expect(() => createServer().listen(0, '127.0.0.1')).toThrow(StartedInUnitTierError);
    expect(() => net.createServer().listen(0)).toThrow(/a server \(net\.Server\.listen\) started in the unit tier/);
    expect(() => spawnSync('true')).toThrow(/a child process \(spawnSync true\).*Take the file out of test\/unit-tier\.ts/s);
    expect(() => refuseInUnitTier('a Temporal dev server')).toThrow(/a Temporal dev server started in the unit tier/);
  });

  it.skipIf(alreadyGuarded)('leaves servers and processes alone once undone (and outside the unit tier)', async () => {
    installUnitGuard()();
    await listenOnce(net.createServer());
    expect(spawnSync('true').status).toBe(0);
    expect(() => refuseInUnitTier('a Temporal dev server')).not.toThrow();
  });
});

/** The files an entry of the list names: a path, or `dir/*.test.ts` (the only pattern it uses). */
function filesOf(entry: string): string[] {
  if (!entry.includes('*')) return [entry];
  const dir = dirname(entry);
  const name = new RegExp(`^${basename(entry).replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
  return readdirSync(dir).filter((f) => name.test(f)).map((f) => join(dir, f));
}

describe('the unit tier list (test/unit-tier.ts)', () => {
  // What starts a Temporal server or a worker through the SDK's native code, which the guard
  // cannot see, and the helpers that exist to start servers and processes.
  const STARTS_A_SERVER =
    /\b(startDevEnv|startTimeSkippingEnv|TestWorkflowEnvironment\.create\w*|NativeConnection\.connect|Worker\.create|useClusterHarness|startCluster|createTestWorker|startTestAlertingStack|startRealNode|startReceiver|startTlsProxy|startSimulator|runCli|startWorkerProcess|startWebhookProcess|startRunbookProcess)\(/;
  const files = UNIT_TEST_FILES.flatMap(filesOf);

  it('names files that exist, each pattern at least one', () => {
    for (const entry of UNIT_TEST_FILES) expect(filesOf(entry).filter((f) => existsSync(f)), entry).not.toHaveLength(0);
  });

  it.each(files)('%s starts no Temporal server, worker, simulator or process', (file) => {
    expect(readFileSync(file, 'utf8')).not.toMatch(STARTS_A_SERVER);
  });
});
