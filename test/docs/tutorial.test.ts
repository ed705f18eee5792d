// docs/tutorial.md, run as a reader would: `runbook dev` in one terminal, every command block in
// order in another, in the clone's directory, and the words the page says each prints looked for
// in what it really printed. A page that drifts from the product fails here.
//
// The reader's clone is stood in for by a directory of links to this checkout, except `.data/`
// and `.sim/`, which are this test's stack's own (so `cat .data/webhook-token` reads its token
// and nothing of a developer's own `npm start` is touched). The stack runs on ports the OS hands
// out: TEMPORAL_ADDRESS and RUNBOOK_CONFIG point the commands at it, and the page's default
// webhook address (127.0.0.1:8780) is replaced by the stack's. Nothing else of a block changes.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { freePort } from '../helpers/free-port.js';
import { spawnInGroup, tail } from '../helpers/process-group.js';
import { step } from '../helpers/steps.js';
import { subnet } from '../helpers/subnets.js';
import { waitFor } from '../helpers/wait.js';
import { type DocStep, fillPlaceholders, parseDocSteps } from './doc-steps.js';

const PAGE = 'docs/tutorial.md';
const DEFAULT_WEBHOOK = '127.0.0.1:8780';

/** A directory that looks like the reader's clone, with this test's `.data/` and `.sim/`. */
function cloneView(dir: string): string {
  const view = join(dir, 'clone');
  mkdirSync(view);
  for (const name of readdirSync(PROJECT_ROOT)) {
    if (name === '.data' || name === '.sim' || name === '.git') continue;
    symlinkSync(join(PROJECT_ROOT, name), join(view, name));
  }
  symlinkSync(join(dir, 'data'), join(view, '.data'));
  symlinkSync(join(dir, 'sim'), join(view, '.sim'));
  return view;
}

/** One block through bash, as typed: stdout and stderr together, and its exit code. */
function runBlock(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-eo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // A block that hangs (a `watch` on a run that never ends) fails with what it printed.
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const missing = (out: string, words: readonly string[]): string[] => words.filter((w) => !out.includes(w));

describe('the tutorial', () => {
  it(`${PAGE}: every block runs and prints what the page says`, async () => {
    const steps = parseDocSteps(readFileSync(join(PROJECT_ROOT, PAGE), 'utf8'), PAGE);
    const [stackStep, ...blocks] = steps;
    expect(stackStep?.kind, `${PAGE} starts with the block that starts the stack`).toBe('stack');
    expect(blocks.every((b) => b.kind === 'run')).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'runbook-tutorial-'));
    const view = cloneView(dir);
    const [port, uiPort] = [await freePort(), await freePort()];
    const dev = spawnInGroup(
      process.execPath,
      [join(PROJECT_ROOT, 'bin/runbook.js'), 'dev', '--port', String(port), '--ui-port', String(uiPort), '--data-dir', join(dir, 'data'),
        '--sim-dir', join(dir, 'sim'), '--subnet', String(subnet('docs/tutorial')), '--webhook-port', '0'],
      { cwd: view, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stackOutput = { label: '`runbook dev` output', text: dev.output };
    try {
      await waitFor('`runbook dev` to print "Ctrl-C stops the stack"', () => dev.output().includes('Ctrl-C stops the stack') || dev.child.exitCode !== null, {
        timeoutMs: 90_000,
        context: () => `--- ${stackOutput.label}:\n${tail(dev.output())}`,
      });
      await step(`${PAGE}:${stackStep!.line} the stack prints what the page says`, () => expect(missing(dev.output(), stackStep!.expect)).toEqual([]), stackOutput);
      const webhook = /alert webhook: http:\/\/(127\.0\.0\.1:\d+)\//.exec(dev.output())?.[1];
      expect(webhook, 'the stack prints its webhook address').toBeDefined();

      const env = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, RUNBOOK_CONFIG: join(dir, 'sim', 'distributed_hosts.yaml') };
      const captured = new Map<string, string>();
      for (const block of blocks) await runStep(block, { view, env, webhook: webhook!, captured });

      await step(`${PAGE}: Ctrl-C stops the stack and it exits 0`, async () => {
        dev.child.kill('SIGINT');
        expect(await dev.exited).toBe(0);
      }, stackOutput);
    } finally {
      await dev.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface RunContext {
  view: string;
  env: NodeJS.ProcessEnv;
  webhook: string;
  captured: Map<string, string>;
}

async function runStep(block: DocStep, c: RunContext): Promise<void> {
  const script = fillPlaceholders(block, c.captured, PAGE).replaceAll(DEFAULT_WEBHOOK, c.webhook);
  const where = `${PAGE}:${block.line} \`${block.script.split('\n')[0]}\``;
  const deadline = Date.now() + (block.withinMs ?? 0);
  let last: { code: number | null; out: string };
  for (;;) {
    last = await runBlock(script, c.view, c.env);
    if (last.code === 0 && missing(last.out, block.expect).length === 0) break;
    if (last.code !== 0 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const output = { label: 'what it printed', text: () => last.out };
  await step(`${where} exits 0`, () => expect(last.code).toBe(0), output);
  await step(`${where} prints what the page says`, () => expect(missing(last.out, block.expect), 'words the page promises, missing from the output').toEqual([]), output);
  if (block.capture) {
    const value = block.capture.pattern.exec(last.out)?.[0];
    await step(`${where} prints a ${block.capture.name}`, () => expect(value).toBeDefined(), output);
    c.captured.set(block.capture.name, value!);
  }
}
