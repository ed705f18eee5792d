// sshRun against the real OpenSSH server. CI must install `openssh-server`: without
// /usr/sbin/sshd this file fails when CI is set, and skips (saying why) only outside CI.
// sshd (which forks per connection) and the bash stand-in daemon (a loop with `sleep` children)
// run in process groups of their own, ended whole; the `sleep` stand-in has no children and
// stays a plain child process.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { type GroupProcess, spawnInGroup } from '../helpers/process-group.js';
import { cluster, fastPolicy, host, keyPair, refusedPort, runActivity, tempDir, writeSshFiles } from './helpers.js';

const SSHD = '/usr/sbin/sshd';
const present = existsSync(SSHD);
const inCi = Boolean(process.env['CI']);

if (!present && !inCi) {
  console.warn(`skipping the OpenSSH test: ${SSHD} not found (install openssh-server; in CI this test fails instead)`);
}

async function waitForPort(address: string, port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!present && !inCi)('sshRun against OpenSSH sshd', () => {
  let sshd: GroupProcess | undefined;
  let dir: string;
  let port: number;
  let stderr = '';
  const client = keyPair();

  beforeAll(async () => {
    if (!present) throw new Error(`${SSHD} is missing: CI must install openssh-server`);
    dir = tempDir('sshd');
    port = await refusedPort('127.0.0.1');
    const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyPath]);
    writeFileSync(join(dir, 'authorized_keys'), `${client.public}\n`, { mode: 0o600 });
    const user = userInfo().username;
    const cfg = join(dir, 'sshd_config');
    writeFileSync(
      cfg,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKeyPath}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        `AllowUsers ${user}`,
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    // sshd refuses to start without its privilege separation directory.
    if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
    sshd = spawnInGroup(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    await waitForPort('127.0.0.1', port, sshd.child, () => stderr);

    const pub = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const files = writeSshFiles(dir, client, [`[127.0.0.1]:${port} ${pub}`]);
    Object.assign(paths, files);
    paths.user = user;
  }, 30_000);

  const paths = { keyPath: '', knownHosts: '', user: '' };

  afterAll(async () => {
    await sshd?.stop({ signal: 'SIGTERM' });
  });

  const activities = () => {
    const spec = cluster([host('local-sshd', '127.0.0.1', { ssh: port })], {
      ssh: { user: paths.user, key_path: paths.keyPath, known_hosts: paths.knownHosts, connect_timeout_s: 5 },
    });
    return createActivities({ cluster: () => spec, policy: fastPolicy() });
  };

  it('runs echo-ok and reads OK', async () => {
    const acts = activities();
    const { result } = await runActivity(() => acts.sshRun({ node: 'local-sshd', step: 'echo-ok' }));
    expect(result).toMatchObject({ node: 'local-sshd', via: 'primary', exitCode: 0, truncated: false });
    expect(result.stdout.trim()).toBe('OK');
  });

  // sshd runs the command as `bash -c '<command>'`, so the runbook's
  // `pkill -f "p2p_daemon"` matched its own shell and every stop exited 143.
  it('p2p-stop through real sshd and bash stops a real p2p_daemon process and exits 0', async () => {
    const daemon = startDummyDaemon('python -m app.distributed.p2p_daemon');
    try {
      await waitFor(() => pgrep(daemon.pid!), 'the dummy daemon to show in pgrep');
      const { result } = await runActivity(() => activities().sshRun({ node: 'local-sshd', step: 'p2p-stop' }));
      expect(result, result.stderr).toMatchObject({ exitCode: 0 });
      await waitFor(() => daemon.exitCode !== null || daemon.signalCode !== null, 'the dummy daemon to exit');
      expect(daemon.signalCode).toBe('SIGTERM');
    } finally {
      daemon.kill('SIGKILL');
    }
  });

  it('p2p-stop fails, and says so, when the daemon survives SIGTERM', async () => {
    // A daemon that ignores SIGTERM: the stop must not report success (the start would then
    // run a second daemon beside it).
    const group = spawnInGroup('bash', ['-c', 'trap "" TERM; while :; do sleep 0.2; done', 'p2p_daemon'], { stdio: 'ignore' });
    const daemon = group.child;
    try {
      await waitFor(() => pgrep(daemon.pid!), 'the dummy daemon to show in pgrep');
      const { result } = await runActivity(() => activities().sshRun({ node: 'local-sshd', step: 'p2p-stop' }));
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('still running');
      expect(result.stdout).toContain(String(daemon.pid));
      expect(daemon.exitCode).toBeNull();
    } finally {
      await group.stop({ signal: 'SIGKILL' });
    }
  });
});

/** A long-running process whose command line (what pkill -f sees) is `cmdline 600`. */
function startDummyDaemon(cmdline: string): ChildProcess {
  return spawn('sleep', ['600'], { argv0: cmdline, stdio: 'ignore' });
}

/** The process shows in `pgrep -f p2p_daemon` (as run from the test, not through a shell). */
function pgrep(pid: number): boolean {
  try {
    return execFileSync('pgrep', ['-f', 'p2p_daemon'], { encoding: 'utf8' }).split('\n').includes(String(pid));
  } catch {
    return false;
  }
}

async function waitFor(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
