// Not part of `npm test` (vitest's include is *.test.ts): run by ./demo.ts, which proves the
// end-of-suite check catches a process a test leaves running. With LEAK_DEMO=1 the test leaves
// two behind: a registered group (a bash with a child) it never stops, and a detached, unref'd
// `sleep` started with a bare spawn (the registry never saw it: the environment check finds it).
// With LEAK_DEMO=interrupt it starts the group and waits, for ./demo.ts to Ctrl-C the run.
// Otherwise it stops both, and the run must pass: the check does not cry wolf.
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { groupAlive, spawnInGroup } from '../helpers/process-group.js';

const leak = process.env['LEAK_DEMO'] === '1';
const interrupt = process.env['LEAK_DEMO'] === 'interrupt';

it.runIf(interrupt)('waits, with a process group running, for a Ctrl-C', async () => {
  spawnInGroup('bash', ['-c', 'sleep 3001 & wait', 'leak-demo-group'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 50_000));
});

it.skipIf(interrupt)(leak ? 'leaves two processes running' : 'stops what it started', async () => {
  const group = spawnInGroup('bash', ['-c', 'sleep 3001 & wait', 'leak-demo-group'], { stdio: 'ignore' });
  const bare = spawn('bash', ['-c', 'exec -a leak-demo-unregistered sleep 3002'], { detached: true, stdio: 'ignore' });
  bare.unref();
  expect(groupAlive(group.pid)).toBe(true);
  if (!leak) {
    // The background `sleep` of a non-interactive bash ignores SIGINT: the grace ends in SIGKILL.
    await group.stop({ graceMs: 1_000 });
    process.kill(-bare.pid!, 'SIGKILL');
    expect(groupAlive(group.pid)).toBe(false);
  }
});
