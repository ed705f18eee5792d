// The end-of-suite leftover check, shown catching a leak: `npx tsx test/leak-check/demo.ts`.
// 1. The demo test stops what it started: the run passes.
// 2. The demo test leaves a registered group and a bare detached process running: the run fails,
//    naming both with their command lines, and nothing of them is left running afterwards.
// Exits 0 when both hold, 1 otherwise.
import { execFileSync, spawnSync } from 'node:child_process';
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

console.log(problems.length === 0 ? 'leak check demonstration: OK' : `leak check demonstration FAILED:\n${problems.join('\n')}`);
process.exit(problems.length === 0 ? 0 : 1);
