// `runbook dev` (what `npm start` runs): the UI answers, a procedure runs, and SIGINT stops
// the dev server, the simulator and the worker, leaving no process behind. It runs in its own
// process group: whatever step fails, the `finally` ends the whole group, not just `runbook dev`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { spawnInGroup, tail } from '../helpers/process-group.js';
import { step } from '../helpers/steps.js';
import { waitFor } from '../helpers/wait.js';


function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=']).toString();
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('runbook dev', () => {
  it('brings up UI, worker and simulator, runs a procedure, and Ctrl-C leaves nothing running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbook-dev-'));
    // Ports the OS hands out now, not fixed ones another run or service may hold.
    const [PORT, UI_PORT] = [await freePort(), await freePort()];
    const dev = spawnInGroup(
      process.execPath,
      [join(PROJECT_ROOT, 'bin/runbook.js'), 'dev', '--sim', '4', '--port', String(PORT), '--ui-port', String(UI_PORT),
        '--data-dir', join(dir, 'data'), '--sim-dir', join(dir, 'sim'), '--subnet', '58', '--webhook-port', '0'],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const { child } = dev;
    const out = dev.output;
    const output = { label: '`runbook dev` output', text: out };
    try {
      await waitFor('`runbook dev` to print "Ctrl-C stops the stack"', () => out().includes('Ctrl-C stops the stack') || child.exitCode !== null, {
        timeoutMs: 90_000,
        context: () => `--- ${output.label}:\n${tail(out())}`,
      });
      await step('the stack is up (runbook dev still running)', () => expect(child.exitCode).toBeNull(), output);
      await step('the Temporal Web UI answers 200', async () => {
        expect(out()).toContain(`Temporal Web UI: http://127.0.0.1:${UI_PORT}`);
        const ui = await fetch(`http://127.0.0.1:${UI_PORT}/`);
        expect(ui.status).toBe(200);
      }, output);
      await step('the alert webhook answers and its token is not printed', async () => {
        // The alert webhook (DESIGN §8) runs in the stack; its token's place is printed, never the token.
        const hook = /alert webhook: (http:\/\/127\.0\.0\.1:\d+)\/alerts\/alertmanager {2}\(bearer token in (\S+)/.exec(out());
        expect(hook).not.toBeNull();
        expect(out()).not.toContain(readFileSync(hook![2]!, 'utf8').trim());
        expect((await fetch(`${hook![1]}/healthz`)).status).toBe(200);
      }, output);
      await step('`runbook diagnose --json` against the stack sees the 4 simulated nodes', async () => {
        const env = { TEMPORAL_ADDRESS: `127.0.0.1:${PORT}`, RUNBOOK_CONFIG: join(dir, 'sim', 'distributed_hosts.yaml') };
        const r = await runCli(['diagnose', '--json'], env);
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout).nodes).toHaveLength(4);
      }, output);
      const procs = descendants(child.pid!);
      await step('Ctrl-C (SIGINT to `runbook dev`) exits 0', async () => {
        expect(procs.length).toBeGreaterThan(0); // the temporal dev server at least
        child.kill('SIGINT');
        expect(await dev.exited).toBe(0);
      }, output);
      await step('after Ctrl-C no child of `runbook dev` is left and the UI is gone', async () => {
        // Children get a moment to finish exiting (tsx's esbuild service closes on its pipe).
        await waitFor('every child of `runbook dev` to exit', () => !procs.some(alive), { timeoutMs: 15_000 }).catch(() => undefined);
        const left = procs.filter(alive).map((p) => execFileSync('ps', ['-o', 'args=', '-p', String(p)]).toString().trim());
        expect(left).toEqual([]);
        await expect(fetch(`http://127.0.0.1:${UI_PORT}/`)).rejects.toThrow();
      }, output);
    } finally {
      // Whatever failed: SIGINT to the whole group (dev server, simulator, worker), then SIGKILL.
      await dev.stop();
    }
  });
});
