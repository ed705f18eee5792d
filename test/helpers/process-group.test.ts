// spawnInGroup/stop end a parent and its children, also children that ignore the first signal
// and a parent that was already SIGKILLed on its own (the leak the helper exists for).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupAlive, spawnInGroup } from './process-group.js';
import { waitFor } from './wait.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// Background jobs of a non-interactive bash ignore SIGINT: `sleep` would only end by SIGKILL. A
// Node child that handles SIGINT ends on it, as a well-behaved server does.
const ENDS_ON_SIGINT = `'${process.execPath}' -e 'process.on("SIGINT", () => process.exit(0)); setTimeout(() => {}, 600000)'`;

/** A bash whose background child prints its pid, then both wait. `trap` lines go first. */
function parentWithChild(traps = '', child = 'sleep 600'): { group: ReturnType<typeof spawnInGroup>; childPid: Promise<number> } {
  const group = spawnInGroup('bash', ['-c', `${traps} ${child} & echo "child $!"; wait`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const childPid = new Promise<number>((resolve, reject) => {
    group.child.stdout!.on('data', () => {
      const m = /child (\d+)/.exec(group.output());
      if (m) resolve(Number(m[1]));
    });
    group.child.once('exit', () => reject(new Error(`bash exited first: ${group.output()}`)));
  });
  return { group, childPid };
}

describe('spawnInGroup', () => {
  it('stop() ends the parent and its child with SIGINT', async () => {
    const { group, childPid } = parentWithChild('', ENDS_ON_SIGINT);
    const child = await childPid;
    // Its handler in place first (SIGINT is bit 1 of the caught-signals mask), or SIGINT finds it ignored.
    await waitFor('the child to handle SIGINT', () => {
      const caught = /^SigCgt:\s*([0-9a-f]+)/m.exec(readFileSync(`/proc/${child}/status`, 'utf8'))?.[1];
      return caught !== undefined && (BigInt(`0x${caught}`) & 2n) !== 0n;
    });
    await group.stop();
    expect(group.child.signalCode).toBe('SIGINT');
    expect(alive(child)).toBe(false);
    expect(groupAlive(group.pid)).toBe(false);
    await group.stop(); // again: nothing left, no error
  });

  it('a child that ignores SIGINT is SIGKILLed after the grace period', async () => {
    // The `sleep` ignores SIGINT (see above); the parent is made to ignore it too.
    const { group, childPid } = parentWithChild("trap '' INT;");
    const child = await childPid;
    await group.stop({ graceMs: 300 });
    expect(alive(child)).toBe(false);
    expect(group.child.signalCode).toBe('SIGKILL');
  });

  it('after the parent alone was SIGKILLed, stop() still ends the orphaned child', async () => {
    const { group, childPid } = parentWithChild();
    const child = await childPid;
    group.child.kill('SIGKILL');
    await group.exited;
    expect(alive(child)).toBe(true); // the leak: the child outlives its parent
    await group.stop({ signal: 'SIGTERM' });
    expect(alive(child)).toBe(false);
  });
});
