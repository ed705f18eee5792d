// The live view end to end (docs/reference/cli.md, "Live progress"): `runbook run --wait` in a
// pseudo-terminal (util-linux `script`, no native module) shows the steps while the run waits for
// approval; Ctrl-C leaves the workflow running; `runbook watch` through a pipe prints one plain
// line per change. Both run in a process group of their own, ended whole on every path
// (test/helpers/process-group.ts).
import { type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { TASK_QUEUE } from '../../src/temporal/settings.js';
import { runCli } from '../helpers/cli.js';
import { useClusterHarness } from '../helpers/harness.js';
import { spawnInGroup, tail } from '../helpers/process-group.js';
import { subnet } from '../helpers/subnets.js';
import { recordLog } from '../helpers/test-logs.js';
import { waitFor } from '../helpers/wait.js';

// The CLI starts on the default queue: this file's own dev server keeps it to itself.
const harness = useClusterHarness({ name: 'live-progress', nodes: 4, subnet: subnet('cli/live-progress'), voters: 3, taskQueue: TASK_QUEUE });
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let cliEnv: NodeJS.ProcessEnv;

beforeAll(() => {
  ({ env, sim } = harness);
  cliEnv = { TEMPORAL_ADDRESS: env.address, RUNBOOK_CONFIG: sim.hostsFile, USER: 'oncall-test' };
});

const workerNode = (): string => sim.state().nodes.find((n) => n.role === 'worker')!.name;

/** The CLI in a pseudo-terminal: stdout and stderr are a tty, as for an operator at a shell. */
interface PtyRun {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number>;
  /** Ends `script` and, through the pty's hangup, the CLI in it; SIGKILL after a grace period. */
  stop: () => Promise<void>;
}

function runInPty(args: string[], o: { sized?: boolean } = {}): PtyRun {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  // A wide terminal, so log-update does not wrap the frame (a pty starts at 0×0 columns).
  const size = o.sized === false ? 'stty cols 0 rows 0; ' : 'stty cols 200 rows 50; ';
  const cmd = `${size}exec ${[process.execPath, join(PROJECT_ROOT, 'bin/runbook.js'), ...args].map(quote).join(' ')}`;
  // -e: script exits with the CLI's exit code; -f: flush as it comes; /dev/null: no typescript file.
  // The CLI runs in the pty's own session, outside script's group: the pty's hangup ends it when
  // script ends (and the end-of-suite check finds it by its environment if not).
  const p = spawnInGroup('script', ['-qefc', cmd, '/dev/null'], { cwd: PROJECT_ROOT, env: { ...process.env, ...cliEnv } });
  const { child } = p;
  const out = p.output;
  const exit = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      recordLog('cli', `pty ${args.join(' ')}`, `$ runbook ${args.join(' ')} (in a pty)\nexit ${code}\n${out()}\n`);
      resolve(code ?? -1);
    });
  });
  return { child, output: out, exit, stop: () => p.stop() };
}

/** `runbook watch` with stdout and stderr as pipes (as in CI), read while it runs. */
function watchThroughPipe(workflowId: string): { stdout: () => string; stderr: () => string; exit: Promise<number>; stop: () => Promise<void> } {
  const p = spawnInGroup(process.execPath, [join(PROJECT_ROOT, 'bin/runbook.js'), 'watch', workflowId], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...cliEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { child } = p;
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      recordLog('cli', `watch ${workflowId}`, `$ runbook watch ${workflowId}\nexit ${code}\n--- stdout\n${out}\n--- stderr\n${err}\n`);
      resolve(code ?? -1);
    });
  });
  return { stdout: () => out, stderr: () => err, exit, stop: () => p.stop() };
}

/** The terminal's text without escape codes, the way the operator reads the last frame. */
const ESC = '\u001b';
const CSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');
const plain = (s: string): string => s.replace(CSI, '').replace(/\r/g, '');

/** The terminal's last lines, shown when a wait on it fails. */
const terminal = (run: PtyRun) => (): string => `--- the terminal (last lines):\n${tail(plain(run.output()))}`;

const startedId = (out: string): string | undefined => /started fix-tailscale: (\S+)/.exec(plain(out))?.[1];

describe('live progress in the CLI', () => {
  it('`run --wait` in a terminal shows the waiting step and the approve command before the run ends', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const run = runInPty(['run', 'fix-tailscale', '--node', node, '--wait']);
    try {
      const workflowId = await waitFor('the workflow ID on the terminal', () => startedId(run.output()), { timeoutMs: 60_000, context: terminal(run) });
      const approve = `runbook approve ${workflowId} --step 'approve restart tailscale' --by oncall-test`;
      await waitFor('the frame with the waiting step and the approve command', () => {
        const o = plain(run.output());
        return /WAITING\s+approve restart tailscale/.test(o) && o.includes(approve);
      }, { context: terminal(run) });
      // Live: the run is still open while the frame shows it waiting, and the frame is redrawn
      // in place (log-update erases the previous frame's lines).
      expect((await env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
      expect(run.output()).toContain(`${ESC}[2K`);
      const ok = await runCli(['approve', workflowId, '--by', 'oncall-test'], cliEnv);
      expect(ok.code, ok.stderr).toBe(0);
      expect(await run.exit).toBe(0);
      const o = plain(run.output());
      expect(o).toMatch(/done\s+restart tailscale/);
      expect(o).toMatch(/fix-tailscale: completed: /);
    } finally {
      await run.stop();
    }
  });

  it('`run --wait` on a terminal without a size (0×0) shows plain lines as the run goes, not nothing until the end', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const run = runInPty(['run', 'fix-tailscale', '--node', node, '--wait'], { sized: false });
    try {
      const workflowId = await waitFor('the workflow ID on the terminal', () => startedId(run.output()), { timeoutMs: 60_000 });
      await waitFor('a line saying the run waits for approval', () => /approve restart tailscale/.test(plain(run.output())));
      expect((await env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
      expect(run.output()).not.toContain(`${ESC}[2K`); // plain lines, no frame being redrawn
      const ok = await runCli(['approve', workflowId, '--by', 'oncall-test'], cliEnv);
      expect(ok.code, ok.stderr).toBe(0);
      expect(await run.exit).toBe(0);
      expect(plain(run.output())).toMatch(/fix-tailscale: completed: /);
    } finally {
      run.child.kill();
    }
  });

  it('Ctrl-C stops watching, says how to resume and exits 130; the workflow goes on', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const run = runInPty(['run', 'fix-tailscale', '--node', node, '--wait']);
    let workflowId: string | undefined;
    try {
      workflowId = await waitFor('the workflow ID on the terminal', () => startedId(run.output()), { timeoutMs: 60_000, context: terminal(run) });
      await waitFor('the waiting step on the terminal', () => /WAITING\s+approve restart tailscale/.test(plain(run.output())), { context: terminal(run) });
      run.child.stdin!.write('\x03');
      expect(await run.exit).toBe(130);
      expect(plain(run.output())).toContain(`resume with: runbook watch ${workflowId}`);
      const d = await env.client.workflow.getHandle(workflowId).describe();
      expect(d.status.name).toBe('RUNNING');
    } finally {
      await run.stop();
      if (workflowId) await env.client.workflow.getHandle(workflowId).terminate('test over');
    }
  });

  it('`watch` through a pipe prints one plain line per change, then the result; unknown IDs are a clear error', async () => {
    const node = workerNode();
    sim.fault(node, 'tailscale-down');
    const started = await runCli(['run', 'fix-tailscale', '--node', node, '--json'], cliEnv);
    expect(started.code, started.stderr).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };

    const watching = watchThroughPipe(workflowId);
    let w: { code: number; stdout: string; stderr: string };
    try {
      // Approve only once the watcher has shown the waiting step: its live lines are the subject.
      await waitFor('the waiting step in the watch output', () => /^ {2}WAITING +approve restart tailscale/m.test(watching.stderr()), {
        timeoutMs: 60_000,
        context: () => `--- \`runbook watch\` stderr:\n${tail(watching.stderr())}`,
      });
      const ok = await runCli(['approve', workflowId, '--by', 'oncall-test'], cliEnv);
      expect(ok.code, ok.stderr).toBe(0);
      w = { code: await watching.exit, stdout: watching.stdout(), stderr: watching.stderr() };
    } finally {
      await watching.stop();
    }
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/^fix-tailscale: completed: /);
    expect(w.stderr).not.toContain(ESC);
    const lines = w.stderr.split('\n');
    // Each state a step went through, once, in order.
    const waitingAt = lines.findIndex((l) => /^ {2}WAITING +approve restart tailscale(:|$)/.test(l));
    const approvedAt = lines.findIndex((l) => /^ {2}done +approve restart tailscale/.test(l));
    const restartedAt = lines.findIndex((l) => /^ {2}done +restart tailscale/.test(l));
    expect(waitingAt, w.stderr).toBeGreaterThan(-1);
    expect(approvedAt, w.stderr).toBeGreaterThan(waitingAt);
    expect(restartedAt, w.stderr).toBeGreaterThan(waitingAt);
    expect(lines.filter((l) => /^ {2}WAITING +approve restart tailscale(:|$)/.test(l))).toHaveLength(1);
    expect(w.stderr).toContain(`runbook approve ${workflowId} --step 'approve restart tailscale' --by oncall-test`);

    // A closed workflow: its final steps and its result, at once.
    const again = await runCli(['watch', workflowId], cliEnv);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^ {2}done +restart tailscale/m);
    expect(again.stdout).toMatch(/^fix-tailscale: completed: /);

    const unknown = await runCli(['watch', 'no-such-workflow'], cliEnv);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no workflow "no-such-workflow"/);
  });
});
