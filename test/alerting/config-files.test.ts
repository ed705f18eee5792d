// `runbook config prometheus [--out DIR]` (docs/reference/alerting-rules.md): what it writes is
// accepted by the real tools: `promtool check config`, `promtool check rules`, `promtool test
// rules` (our unit tests of each alert rule, test/fixtures/alerting/runbook.rules.test.yml) and
// `amtool check-config`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { buildProgram } from '../../src/cli/program.js';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { runCli } from '../helpers/cli.js';

const inCi = Boolean(process.env['CI']);
const has = (bin: string): boolean => spawnSync(bin, ['--version'], { encoding: 'utf8' }).status === 0;
const tools = has('promtool') && has('amtool');
if (!tools && !inCi) console.warn('skipping promtool/amtool checks: install Debian prometheus and prometheus-alertmanager (in CI this fails)');
const needTools = (): void => {
  if (!tools) throw new Error('promtool and amtool are missing: CI must install Debian prometheus and prometheus-alertmanager');
};

const work = mkdtempSync(join(tmpdir(), 'runbook-alerting-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const HOSTS = join(PROJECT_ROOT, 'config/distributed_hosts.yaml');
const RULE_TESTS = join(PROJECT_ROOT, 'test/fixtures/alerting/runbook.rules.test.yml');

function tool(bin: string, args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The UsageError message the CLI refuses `argv` with (run in process). */
async function refusal(argv: string[]): Promise<string> {
  const program = buildProgram();
  program.commands.forEach(function override(cmd): void {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  });
  try {
    await program.parseAsync(['node', 'runbook', ...argv]);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

async function writeConfig(dir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const r = await runCli(['config', 'prometheus', '--config', HOSTS, '--out', dir, ...extra], env);
  expect(r.code, r.stderr).toBe(0);
}

describe('runbook config prometheus --out DIR', () => {
  it.skipIf(!tools && !inCi)('writes files promtool and amtool accept, and the rules pass their unit tests', async () => {
    needTools();
    const dir = join(work, 'prod');
    const token = 'tok-' + 'x'.repeat(24);
    await writeConfig(dir, [], { RUNBOOK_WEBHOOK_TOKEN: token });
    expect(readdirSync(dir).sort()).toEqual(['alertmanager.yml', 'prometheus.yml', 'rules']);

    const config = tool('promtool', ['check', 'config', 'prometheus.yml'], dir);
    expect(config.status, config.out).toBe(0);
    expect(config.out).toMatch(/SUCCESS: 5 rules found/);
    const rules = tool('promtool', ['check', 'rules', 'rules/runbook.rules.yml'], dir);
    expect(rules.status, rules.out).toBe(0);
    copyFileSync(RULE_TESTS, join(dir, 'runbook.rules.test.yml'));
    const unit = tool('promtool', ['test', 'rules', 'runbook.rules.test.yml'], dir);
    expect(unit.status, unit.out).toBe(0);
    const am = tool('amtool', ['check-config', 'alertmanager.yml'], dir);
    expect(am.status, am.out).toBe(0);

    // The receiver posts to the webhook with a bearer token read from a file, never written here.
    const amDoc = yaml.load(readFileSync(join(dir, 'alertmanager.yml'), 'utf8')) as {
      receivers: Array<{ name: string; webhook_configs?: Array<{ url: string; send_resolved: boolean; http_config: unknown }> }>;
    };
    const hook = amDoc.receivers.find((r) => r.name === 'runbook-webhook')!.webhook_configs![0]!;
    expect(hook).toEqual({
      url: 'http://localhost:8780/alerts/alertmanager',
      send_resolved: true,
      http_config: { authorization: { type: 'Bearer', credentials_file: 'webhook-token' } },
    });
    for (const f of ['prometheus.yml', 'alertmanager.yml', 'rules/runbook.rules.yml']) {
      expect(readFileSync(join(dir, f), 'utf8')).not.toContain(token);
    }
    // One target per configured host, each labelled with its node name (alerts say which node).
    const prom = yaml.load(readFileSync(join(dir, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>; scrape_interval?: string }>;
      rule_files: string[];
    };
    const job = prom.scrape_configs.find((j) => j.job_name === 'ringrift-cluster')!;
    expect(job.scrape_interval).toBe('30s'); // §5.1
    expect(job.static_configs.map((s) => s.labels?.['node'])).toEqual([
      'nebius-backbone-1', 'nebius-h100', 'runpod-h100', 'runpod-a100-1', 'runpod-a100-2', 'vultr-a100-20gb', 'lambda-gh200-1', 'vast-rtx4090-1',
    ]);
    expect(job.static_configs[1]!.targets).toEqual(['89.169.111.139:8770']);
    expect(prom.scrape_configs.map((j) => j.job_name)).toEqual(['ringrift-cluster', 'runbook-worker', 'runbook-webhook']);
    expect(prom.rule_files).toEqual(['rules/runbook.rules.yml']);
  });

  it.skipIf(!tools && !inCi)('--time-scale shortens every duration and the tools still accept the result; a rerun replaces the files atomically', async () => {
    needTools();
    const dir = join(work, 'fast');
    await writeConfig(dir, ['--time-scale', '0.02', '--webhook', 'http://127.0.0.1:4567/hooks', '--alertmanager', '127.0.0.1:4568', '--token-file', '/run/secret/token']);
    await writeConfig(dir, ['--time-scale', '0.01', '--webhook', 'http://127.0.0.1:4567/hooks', '--alertmanager', '127.0.0.1:4568', '--token-file', '/run/secret/token']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(tool('promtool', ['check', 'config', 'prometheus.yml'], dir).status).toBe(0);
    expect(tool('amtool', ['check-config', 'alertmanager.yml'], dir).status).toBe(0);
    const rules = readFileSync(join(dir, 'rules/runbook.rules.yml'), 'utf8');
    expect(rules).toMatch(/interval: 300ms/);
    expect(rules).toMatch(/for: 600ms/); // ClusterConnectivityDegraded: 1m × 0.01
    expect(rules).toMatch(/\[3s\]/); // the sync-stall window: 5m × 0.01
    const am = readFileSync(join(dir, 'alertmanager.yml'), 'utf8');
    expect(am).toMatch(/url: http:\/\/127\.0\.0\.1:4567\/hooks\/alerts\/alertmanager/);
    expect(am).toMatch(/credentials_file: \/run\/secret\/token/);
    expect(am).toMatch(/group_interval: 3s/);
    expect(readFileSync(join(dir, 'prometheus.yml'), 'utf8')).toMatch(/- 127\.0\.0\.1:4568/);
  });

  it.skipIf(!tools && !inCi)('without --out prints a prometheus.yml promtool accepts (the §5.1 job, no rules)', async () => {
    needTools();
    const r = await runCli(['config', 'prometheus', '--config', HOSTS]);
    expect(r.code, r.stderr).toBe(0);
    const file = join(work, 'stdout-prometheus.yml');
    writeFileSync(file, r.stdout);
    const check = tool('promtool', ['check', 'config', file], work);
    expect(check.status, check.out).toBe(0);
    expect(r.stdout).toMatch(/job_name: ringrift-cluster/);
    expect(r.stdout).not.toMatch(/rule_files/);
  });

  it('refuses bad flags with exit 2 and a message naming the flag, writing nothing', async () => {
    const notADir = join(work, 'a-file');
    writeFileSync(notADir, 'x');
    const dir = join(work, 'never');
    // Through the real CLI: the exit code and stderr.
    const r = await runCli(['config', 'prometheus', '--config', HOSTS, '--out', dir, '--time-scale', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^runbook: --time-scale: expected a positive number \(1 = production durations\), got "0"/);
    // Every other refusal in process (the same program, each a UsageError: exit 2).
    const cases: Array<[string[], RegExp]> = [
      [['--out', dir, '--time-scale', 'fast'], /--time-scale: expected a positive number.*"fast"/],
      [['--out', dir, '--webhook', 'ftp://hooks.example'], /--webhook: "ftp:\/\/hooks\.example" must be http:\/\/ or https:\/\//],
      [['--out', dir, '--webhook', 'http://user:secret@hooks.example'], /--webhook: credentials in the URL/],
      [['--out', dir, '--webhook', 'not a url'], /--webhook: "not a url" is not a URL/],
      [['--out', dir, '--alertmanager', 'alertmanager'], /--alertmanager: "alertmanager" is not host:port/],
      [['--out', dir, '--worker', 'localhost:99999'], /--worker: "localhost:99999" is not host:port/],
      [['--token-file', '/run/token'], /--token-file only applies with --out DIR/],
      [['--out', notADir], /--out: .*a-file is a file; --out takes a directory/],
    ];
    for (const [args, message] of cases) expect(await refusal(['config', 'prometheus', '--config', HOSTS, ...args]), args.join(' ')).toMatch(message);
    expect(existsSync(dir)).toBe(false);
  });
});
