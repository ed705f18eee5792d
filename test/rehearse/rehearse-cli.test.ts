// `runbook rehearse` as an operator runs it (bin/runbook.js in a child process): bad requests
// exit 2 with a message before anything starts, one rehearsal exits 0 with its JSON report, and
// Ctrl-C (SIGINT to the whole process group, as a terminal sends it) leaves no process behind.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import { runCli } from '../helpers/cli.js';
import { subnet } from '../helpers/subnets.js';
import { waitFor } from '../helpers/wait.js';

const SUBNET = String(subnet('rehearse/rehearse-cli'));
const SEED = 'config/distributed_hosts.yaml';
const tmp = mkdtempSync(join(tmpdir(), 'rehearse-cli-'));

describe('runbook rehearse: requests it refuses (exit 2, nothing started)', () => {
  it.each([
    [[], /say what to rehearse/],
    [['restart-p2p', '--all'], /one thing at a time/],
    [['reboot-everything'], /unknown procedure "reboot-everything"; one of: diagnose/],
    [['restart-p2p', '--fault', 'gremlins'], /unknown fault "gremlins"/],
    [['restart-p2p', '--node', 'no-such-node'], /node "no-such-node" is not in the hosts file/],
    [['--incident', 'NoSuchAlert'], /alert "NoSuchAlert" is not routed/],
    [['--all', '--node', 'nebius-h100'], /--all picks its own faults and nodes/],
    [['restart-p2p', '--subnet', '200'], /--subnet must be an integer from 1 to 155/],
    [['restart-p2p', '--time-scale', 'fast'], /--time-scale must be a number/],
  ])('rehearse %j', async (args, message) => {
    const r = await runCli(['rehearse', ...args, '--config', SEED]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('a hosts file without voters, or a broken one, is a config error', async () => {
    const noVoters = join(tmp, 'no-voters.yaml');
    writeFileSync(noVoters, yaml.dump({ hosts: [{ name: 'a', host: '203.0.113.1' }] }));
    const r = await runCli(['rehearse', 'restart-p2p', '--config', noVoters]);
    expect(r.stderr).toMatch(/names no voter_nodes/);
    expect(r.code).toBe(2);
    const missing = await runCli(['rehearse', 'restart-p2p', '--config', join(tmp, 'absent.yaml')]);
    expect(missing.stderr).toMatch(/file not found/);
    expect(missing.code).toBe(2);
  });
});

describe('runbook rehearse: a busy subnet', () => {
  it('another simulator on the twin\'s addresses: exit 2 naming --subnet, nothing left running', async () => {
    const other = await startSimulator({ nodes: 1, subnet: Number(SUBNET), outDir: join(tmp, 'other') });
    try {
      const r = await runCli(['rehearse', 'restart-p2p', '--config', SEED, '--subnet', SUBNET]);
      expect(r.stderr).toMatch(new RegExp(`addresses 127\\.${SUBNET}\\.x\\.y are taken .*--subnet`));
      expect(r.code).toBe(2);
      const port = Number(/twin's Temporal: 127\.0\.0\.1:(\d+)/.exec(r.stderr)![1]);
      expect(processesWith(`--port ${port}`)).toEqual([]);
    } finally {
      await other.stop();
    }
  }, 300_000);
});

describe('runbook rehearse: one run', () => {
  it('restart-p2p on a twin of the seed file: exit 0, the JSON report says healed, commands and all', async () => {
    const r = await runCli(['rehearse', 'restart-p2p', '--config', SEED, '--subnet', SUBNET, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; results: Array<{ procedure: string; healed: boolean; commands: Array<{ node: string; command: string }> }> };
    expect(report.ok).toBe(true);
    expect(report.results[0]).toMatchObject({ procedure: 'restart-p2p', healed: true });
    expect(report.results[0]!.commands.map((c) => c.command)).toEqual(expect.arrayContaining([expect.stringContaining('p2p_daemon')]));
    // Progress on stderr while it ran.
    expect(r.stderr).toMatch(/twin starting/);
    expect(r.stderr).toMatch(/fault injected: p2p-down on /);
    // The loopback guard read the twin's file before the worker started: 8 hosts, 3 addresses each.
    expect(r.stderr).toMatch(/guard: the twin's 24 addresses are all in 127\.0\.0\.0\/8/);
  }, 300_000);
});

/** Every process whose process group is `pgid`. */
function processesInGroup(pgid: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && Number(l.split(/\s+/)[1]) === pgid);
}

function processesWith(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

function refuses(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('runbook rehearse: Ctrl-C', () => {
  it('SIGINT to the process group mid-run stops the twin, its worker and its server; nothing is left', async () => {
    // Its own process group, as a shell gives a foreground job; the terminal's Ctrl-C hits all of it.
    const child: ChildProcess = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/runbook.js'), 'rehearse', 'repair-sync', '--config', SEED, '--subnet', SUBNET], {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout!.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('the fault on the twin', () => /fault injected/.test(stderr), { timeoutMs: 180_000 });
    const serverPort = Number(/twin's Temporal: 127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    expect(processesWith(`--port ${serverPort}`)).not.toEqual([]);
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    expect(stderr).toMatch(/interrupted: stopping the twin/);
    expect(code).toBe(130);
    // Nothing of its group, its dev server (in a group of its own) gone too, no twin node listening.
    await waitFor('the group to be empty', () => processesInGroup(child.pid!).length === 0, { timeoutMs: 30_000 });
    expect(processesWith(`--port ${serverPort}`)).toEqual([]);
    expect(await refuses('127.0.0.1', serverPort)).toBe(true);
    expect(await refuses(`127.${SUBNET}.0.1`, 8770)).toBe(true);
    expect(await refuses(`127.${SUBNET}.0.1`, 2222)).toBe(true);
  }, 300_000);
});
