// sshRun against the real OpenSSH server. CI must install `openssh-server`: without
// /usr/sbin/sshd this file fails when CI is set, and skips (saying why) only outside CI.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
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
  let child: ChildProcess | undefined;
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
    child = spawn(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    await waitForPort('127.0.0.1', port, child, () => stderr);

    const pub = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const files = writeSshFiles(dir, client, [`[127.0.0.1]:${port} ${pub}`]);
    Object.assign(paths, files);
    paths.user = user;
  }, 30_000);

  const paths = { keyPath: '', knownHosts: '', user: '' };

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('runs echo-ok and reads OK', async () => {
    const spec = cluster([host('local-sshd', '127.0.0.1', { ssh: port })], {
      ssh: { user: paths.user, key_path: paths.keyPath, known_hosts: paths.knownHosts, connect_timeout_s: 5 },
    });
    const acts = createActivities({ cluster: () => spec, policy: fastPolicy() });
    const { result } = await runActivity(() => acts.sshRun({ node: 'local-sshd', step: 'echo-ok' }));
    expect(result).toMatchObject({ node: 'local-sshd', via: 'primary', exitCode: 0, truncated: false });
    expect(result.stdout.trim()).toBe('OK');
  });
});
