// The end-of-suite leftover check, shown catching a leak: `npx tsx test/leak-check/demo.ts`.
// 1. The demo test stops what it started: the run passes.
// 2. The demo test leaves a registered group and a bare detached process running: the run fails,
//    naming both with their command lines, and nothing of them is left running afterwards.
// 3. Ctrl-C of a run (SIGINT to vitest's whole process group, as a terminal sends it) while a
//    test has a process group running: that group does not get the terminal's SIGINT, and must
//    still not outlive the run.
// Exits 0 when all hold, 1 otherwise.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(leak: boolean): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/leak-check/vitest.config.ts'], {
    cwd: root,
    env: { ...process.env, LEAK_DEMO: leak ? '1' : '0' },
    encoding: 'utf8',
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function demoProcesses(): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => /sleep 300[12]|leak-demo/.test(l));
}

const problems: string[] = [];
const clean = run(false);
if (clean.code !== 0) problems.push(`the clean run failed (exit ${clean.code}):\n${clean.out}`);

const leaky = run(true);
console.log(`--- the leaking run (exit ${leaky.code}):\n${leaky.out}`);
if (leaky.code === 0) problems.push('the leaking run passed');
for (const expected of ['left running: 3 process(es)', 'bash -c sleep 3001 & wait leak-demo-group', 'sleep 3001', 'leak-demo-unregistered 3002', 'started by test/leak-check/leaks.demo.ts']) {
  if (!leaky.out.includes(expected)) problems.push(`the failure does not say "${expected}"`);
}
const left = demoProcesses();
if (left.length > 0) problems.push(`still running after the failed run:\n${left.join('\n')}`);

// 3. Ctrl-C.
const vitest = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/leak-check/vitest.config.ts'], {
  cwd: root,
  env: { ...process.env, LEAK_DEMO: 'interrupt' },
  stdio: 'ignore',
  detached: true, // a process group of its own, like a shell's foreground job
});
const vitestExit = new Promise((r) => vitest.once('exit', r));
const until = async (what: string, ok: () => boolean): Promise<boolean> => {
  const end = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > end) {
      problems.push(`Ctrl-C: timed out waiting for ${what}`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
};
if (await until('the demo group to run', () => demoProcesses().length >= 2)) {
  process.kill(-vitest.pid!, 'SIGINT');
  await vitestExit;
  await until('no demo process to be left after the Ctrl-C', () => demoProcesses().length === 0);
} else {
  process.kill(-vitest.pid!, 'SIGKILL');
}
const afterCtrlC = demoProcesses();
if (afterCtrlC.length > 0) {
  problems.push(`still running after Ctrl-C:\n${afterCtrlC.join('\n')}`);
  for (const l of afterCtrlC) process.kill(Number(l.trim().split(/\s+/)[0]), 'SIGKILL');
}

console.log(problems.length === 0 ? 'leak check demonstration: OK' : `leak check demonstration FAILED:\n${problems.join('\n')}`);
process.exit(problems.length === 0 ? 0 : 1);
