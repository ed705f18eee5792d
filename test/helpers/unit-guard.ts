// The unit tier's promise (test/unit-tier.ts): its files start no server and no process. In a
// unit worker, listening on a socket, starting a child process or asking the test helpers for a
// Temporal server throws, naming what was started and where such a test belongs. Patched in the
// test worker only (one process per test file); `npm test` installs nothing of this.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

export const UNIT_TIER_ENV = 'RUNBOOK_UNIT_TIER';

export class StartedInUnitTierError extends Error {
  constructor(what: string) {
    super(
      `${what} started in the unit tier (npm run test:unit): unit test files start no server and no process. ` +
        'Take the file out of test/unit-tier.ts; `npm test` runs it with the servers it needs.',
    );
    this.name = 'StartedInUnitTierError';
  }
}

/** Throws in the unit tier: called before a helper starts a server Node cannot see start (the SDK's native code starts Temporal). */
export function refuseInUnitTier(what: string): void {
  if (process.env[UNIT_TIER_ENV] === '1') throw new StartedInUnitTierError(what);
}

const PROCESS_STARTERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

/** Installs the guard in this process; returns what undoes it (for the guard's own test). */
export function installUnitGuard(): () => void {
  const cp = childProcess as unknown as Record<string, unknown>;
  const saved = Object.fromEntries(PROCESS_STARTERS.map((name) => [name, cp[name]]));
  const listen = net.Server.prototype.listen;
  const savedEnv = process.env[UNIT_TIER_ENV];
  process.env[UNIT_TIER_ENV] = '1';
  for (const name of PROCESS_STARTERS) {
    cp[name] = (command: unknown) => {
      throw new StartedInUnitTierError(`a child process (${name} ${String(command)})`);
    };
  }
  // http, https and the simulator's servers all listen through net.Server.
  net.Server.prototype.listen = function (): never {
    throw new StartedInUnitTierError('a server (net.Server.listen)');
  };
  // `import { spawn } from 'node:child_process'` sees the patched functions only after this.
  syncBuiltinESMExports();
  return () => {
    Object.assign(cp, saved);
    net.Server.prototype.listen = listen;
    if (savedEnv === undefined) delete process.env[UNIT_TIER_ENV];
    else process.env[UNIT_TIER_ENV] = savedEnv;
    syncBuiltinESMExports();
  };
}
