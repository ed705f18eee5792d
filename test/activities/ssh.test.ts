import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, NON_RETRYABLE_ERROR_TYPES } from '../../activities/index.js';
import {
  ConfigInvalidError,
  HostKeyMismatchError,
  SshAuthError,
  SshConnectError,
  UnknownHostKeyError,
  UnknownNodeError,
  UnknownSshStepError,
} from '../../activities/errors.js';
import { sshCommand } from '../../src/domain/ssh-catalog.js';
import type { ClusterSpec, HostSpec } from '../../src/domain/cluster-spec.js';
import {
  cluster,
  fastPolicy,
  host,
  keyPair,
  logs,
  publicBlob,
  refusedPort,
  runActivity,
  startSshServer,
  tempDir,
  writeSshFiles,
  type KeyPair,
} from './helpers.js';

const NODE = '127.42.1.1';
const OTHER = '127.42.1.2';
const DOWN = '127.42.1.3';

const HEALTH = [
  '=== System Status ===',
  ' 10:00:01 up 3 days,  load average: 0.10, 0.20, 0.30',
  '=== Network Interfaces ===',
  '    inet 100.64.0.5/32 scope global tailscale0',
  '=== P2P Process ===',
  'ubuntu  1234  python -m app.distributed.p2p_daemon',
  '=== Recent Logs ===',
  'No log file',
  '=== Port Status ===',
  'tcp LISTEN 0 128 *:8770 *:*',
  '',
].join('\n');

function behaviour(command: string) {
  if (command === 'echo OK') return { stdout: 'OK\n', code: 0 };
  if (command === 'sudo tailscale up') return { stderr: 'backend error: not logged in\n', code: 1 };
  if (command === 'tailscale status') return { stdout: 'x'.repeat(10_000), stderr: 'y'.repeat(5000), code: 0 };
  if (command.startsWith('echo "=== System Status ==="')) return { stdout: HEALTH, code: 0 };
  return { stderr: `sh: command not found\n`, code: 127 };
}

const hostKey = keyPair();
const otherHostKey = keyPair();
const clientKey = keyPair();
const strangerKey = keyPair();
let server: Awaited<ReturnType<typeof startSshServer>>;
let otherServer: Awaited<ReturnType<typeof startSshServer>>;

beforeAll(async () => {
  server = await startSshServer(NODE, { hostKey, clientPublic: clientKey.public, behaviour });
  otherServer = await startSshServer(OTHER, { hostKey: otherHostKey, clientPublic: clientKey.public, behaviour });
});

afterAll(async () => {
  await server.close();
  await otherServer.close();
});

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

function setup(opts: { hosts?: HostSpec[]; known?: string[]; key?: KeyPair } = {}): ClusterSpec {
  const sub = tempDir('sshcase');
  const files = writeSshFiles(sub, opts.key ?? clientKey, opts.known ?? [`[${NODE}]:${server.port} ${publicBlob(hostKey.public)}`]);
  return cluster(opts.hosts ?? [host('node-a', NODE, { ssh: server.port })], {
    ssh: { user: 'ubuntu', key_path: files.keyPath, known_hosts: files.knownHosts, connect_timeout_s: 2 },
  });
}

function acts(spec: ClusterSpec) {
  return createActivities({ cluster: () => spec, policy: fastPolicy() });
}

describe('sshRun', () => {
  it('runs a catalogued step and returns its output', async () => {
    const spec = setup();
    const { result } = await runActivity(() => acts(spec).sshRun({ node: 'node-a', step: 'echo-ok' }));
    expect(result).toMatchObject({ node: 'node-a', step: 'echo-ok', via: 'primary', exitCode: 0, stdout: 'OK\n', stderr: '', truncated: false });
    expect(server.commands.at(-1)).toBe('echo OK');
  });

  it('matches hashed known_hosts entries', async () => {
    const spec = setup({ known: [`${hashed(`[${NODE}]:${server.port}`)} ${publicBlob(hostKey.public)}`] });
    const { result } = await runActivity(() => acts(spec).sshRun({ node: 'node-a', step: 'echo-ok' }));
    expect(result.stdout).toBe('OK\n');
  });

  it('returns a non-zero exit as a result', async () => {
    const spec = setup();
    const { result } = await runActivity(() => acts(spec).sshRun({ node: 'node-a', step: 'tailscale-up' }));
    expect(result).toMatchObject({ exitCode: 1, stderr: 'backend error: not logged in\n', truncated: false });
  });

  it('caps stdout and stderr at 4 KiB each and flags truncation', async () => {
    const spec = setup();
    const { result } = await runActivity(() => acts(spec).sshRun({ node: 'node-a', step: 'tailscale-status' }));
    expect(result.truncated).toBe(true);
    expect(result.stdout).toHaveLength(4096);
    expect(result.stderr).toHaveLength(4096);
  });

  it('sends only the command the catalog builds', async () => {
    const spec = setup();
    await runActivity(() => acts(spec).sshRun({ node: 'node-a', step: 'reach-backbone' }));
    expect(server.commands.at(-1)).toBe(
      sshCommand('reach-backbone', { serviceDir: spec.service_dir, backbone: 'node-a', p2pPort: spec.hosts[0]!.ports.p2p }),
    );
  });

  it('rejects a step outside the catalog without connecting', async () => {
    const spec = setup();
    const before = server.commands.length;
    const p = runActivity(() => acts(spec).sshRun({ node: 'node-a', step: 'rm -rf /' }));
    await expect(p).rejects.toThrow(UnknownSshStepError);
    await expect(p).rejects.toMatchObject({ type: 'UnknownSshStepError', nonRetryable: true });
    expect(server.commands.length).toBe(before);
  });

  it('rejects a node that is not configured', async () => {
    const spec = setup();
    await expect(runActivity(() => acts(spec).sshRun({ node: 'nope', step: 'echo-ok' }))).rejects.toThrow(UnknownNodeError);
  });

  it('fails with HostKeyMismatchError when the presented key differs from known_hosts', async () => {
    const spec = setup({ known: [`[${NODE}]:${server.port} ${publicBlob(otherHostKey.public)}`] });
    const p = runActivity(() => acts(spec).sshRun({ node: 'node-a', step: 'echo-ok' }));
    await expect(p).rejects.toThrow(HostKeyMismatchError);
    await expect(p).rejects.toMatchObject({ nonRetryable: true });
  });

  it('fails with UnknownHostKeyError when known_hosts has no entry for the address', async () => {
    // An entry for port 22 does not cover a non-standard port, as in OpenSSH.
    const spec = setup({ known: [`${NODE} ${publicBlob(hostKey.public)}`, `# comment`] });
    await expect(runActivity(() => acts(spec).sshRun({ node: 'node-a', step: 'echo-ok' }))).rejects.toThrow(UnknownHostKeyError);
  });

  it('fails with SshAuthError when the server refuses our key, without leaking the key', async () => {
    const spec = setup({ key: strangerKey });
    const p = runActivity(() => acts(spec).sshRun({ node: 'node-a', step: 'echo-ok' }));
    await expect(p).rejects.toThrow(SshAuthError);
    const err = (await p.catch((e: unknown) => e)) as Error;
    const keyBody = strangerKey.private.split('\n')[1]!;
    expect(err.message).not.toContain(keyBody);
    expect(JSON.stringify(err)).not.toContain(keyBody);
    expect(String((err as { stack?: string }).stack)).not.toContain(keyBody);
    expect(JSON.stringify(logs.map((l) => [l.message, l.meta]))).not.toContain(keyBody);
    expect(logs.some((l) => l.message.includes('failed'))).toBe(true);
  });

  it('uses the fallback address in auto mode when the primary refuses', async () => {
    // Nothing listens on DOWN at the server's port, so the primary is refused.
    const port = server.port;
    const spec = setup({
      hosts: [host('node-b', DOWN, { ssh: port }, { fallback_host: NODE })],
      known: [`[${NODE}]:${port} ${publicBlob(hostKey.public)}`, `[${DOWN}]:${port} ${publicBlob(hostKey.public)}`],
    });
    const { result } = await runActivity(() => acts(spec).sshRun({ node: 'node-b', step: 'echo-ok' }));
    expect(result).toMatchObject({ via: 'fallback', stdout: 'OK\n' });
    await expect(runActivity(() => acts(spec).sshRun({ node: 'node-b', step: 'echo-ok', via: 'primary' }))).rejects.toThrow(
      SshConnectError,
    );
  });

  it('throws a retryable SshConnectError when nothing listens', async () => {
    const down = await refusedPort(DOWN);
    const spec = setup({ hosts: [host('node-c', DOWN, { ssh: down })], known: [`[${DOWN}]:${down} ${publicBlob(hostKey.public)}`] });
    const p = runActivity(() => acts(spec).sshRun({ node: 'node-c', step: 'echo-ok' }));
    await expect(p).rejects.toThrow(SshConnectError);
    await expect(p).rejects.toMatchObject({ reason: 'ECONNREFUSED' });
    expect(NON_RETRYABLE_ERROR_TYPES).not.toContain('SshConnectError');
  });
});

describe('nodeHealth', () => {
  it('splits §3.5 output into sections and reports unreachable nodes as results', async () => {
    const down = await refusedPort(DOWN);
    const spec = setup({
      hosts: [host('node-a', NODE, { ssh: server.port }), host('node-d', DOWN, { ssh: down }), host('node-e', OTHER, { ssh: otherServer.port })],
      known: [
        `[${NODE}]:${server.port} ${publicBlob(hostKey.public)}`,
        `[${DOWN}]:${down} ${publicBlob(hostKey.public)}`,
        // node-e presents otherHostKey: a mismatch is reported per node, not thrown for the batch.
        `[${OTHER}]:${otherServer.port} ${publicBlob(hostKey.public)}`,
      ],
    });
    const { result } = await runActivity(() => acts(spec).nodeHealth({ nodes: ['node-a', 'node-d', 'node-e'] }));
    expect(result[0]).toMatchObject({ node: 'node-a', ok: true, via: 'primary' });
    expect(Object.keys(result[0]!.sections)).toEqual(['System Status', 'Network Interfaces', 'P2P Process', 'Recent Logs', 'Port Status']);
    expect(result[0]!.sections['Recent Logs']).toBe('No log file');
    expect(result[1]).toMatchObject({ node: 'node-d', ok: false, error: 'ECONNREFUSED', sections: {} });
    expect(result[2]).toMatchObject({ node: 'node-e', ok: false, error: 'HostKeyMismatchError' });
  });

  it('fails the batch with ConfigInvalidError when the private key file is missing', async () => {
    const spec = setup();
    spec.ssh.key_path = '/nonexistent/id_cluster';
    const p = runActivity(() => acts(spec).nodeHealth({ nodes: ['node-a'] }));
    await expect(p).rejects.toThrow(ConfigInvalidError);
    await expect(p).rejects.toThrow('cannot read SSH private key /nonexistent/id_cluster: ENOENT');
  });
});
