// One real node for the tests (docs/contributing/real-node-suite.md): OpenSSH sshd on its own loopback address, a real
// unprivileged user with bash as its shell and the simulated cluster's key authorized, and a
// real P2P daemon (test/helpers/real-node/p2p_daemon.py) installed in that user's
// ~/ringrift/ai-service and started the runbook's way (§4.1). `sudo`, `systemctl` and
// `tailscale` are stand-ins on the user's PATH that record their calls (no systemd or tailscaled
// here); every other tool (bash, pkill, nohup, ps, ss, curl, python) is the machine's own.
//
// Needs root to create the user and run sshd. Nothing here ever signals a process as root:
// processes are inspected and killed by commands run AS the node's user, so they can only
// touch that user's processes.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { spawnInGroup } from './process-group.js';
import { TEST_LOG_DIR_ENV } from './test-logs.js';

export const SSHD = '/usr/sbin/sshd';
const ASSETS = join(dirname(fileURLToPath(import.meta.url)), 'real-node');
/** How the daemon shows up in `ps`; the brackets keep this pattern from matching itself. */
export const DAEMON_PATTERN = 'app[.]distributed[.]p2p_daemon';

/** Why the real node cannot run here, or undefined when it can. */
export function realNodeUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the real-node tests create a user and run sshd: run them as root (CI does)';
  for (const tool of [SSHD, '/usr/sbin/useradd', '/usr/bin/python3', '/usr/bin/pkill', '/usr/bin/ss']) {
    if (!existsSync(tool)) return `${tool} is missing (.ci/run installs it)`;
  }
  return undefined;
}

export interface RealNodeOptions {
  sim: SimulatorHandle;
  /** The simulated node this real node takes the place of in the hosts file (pick a worker). */
  node: string;
  /** A dedicated account name for this test file; created if missing, its home wiped. */
  user: string;
  /** Primary address (127.86.x.y); the fallback is 127.86.(x+1).y. */
  address: string;
}

export interface RealNode {
  name: string;
  user: string;
  home: string;
  address: string;
  fallback: string;
  sshPort: number;
  p2pPort: number;
  /** The hosts file with `name` pointing at this real node; the other hosts stay simulated. */
  hostsFile: string;
  /** Absolute path of ~/ringrift/ai-service. */
  serviceDir: string;
  /** Runs a bash command as the node's user (never as root); stdout, stderr and exit code. */
  asUser(command: string): { stdout: string; stderr: string; code: number };
  /** Pids of the node user's P2P daemon processes, as `pgrep` run by that user sees them. */
  daemonPids(): number[];
  /** Starts the daemon the runbook's way (§4.1) and waits until /health answers. */
  startDaemon(): Promise<void>;
  /**
   * Kills the daemon (SIGKILL, as the node's user) and starts a new one with behaviour flags
   * (p2p_daemon.py: `wedge-next-start`, `ignore-sigterm`); returns the new daemon's pid.
   */
  restartDaemonWith(flags: Array<'wedge-next-start' | 'ignore-sigterm'>): Promise<number>;
  /** GET /status on the node's address, or undefined when nothing answers. */
  status(): Promise<Record<string, unknown> | undefined>;
  /** Lines the stand-in tools recorded ("sudo tailscale down", …). */
  standInCalls(): string[];
  /** Daemon starts recorded by the daemon itself (one pid per start, including failed binds). */
  daemonStarts(): number[];
  /** sshd's own log so far. */
  sshdLog(): string;
  stop(): Promise<void>;
}

function sh(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Polls `probe` until it returns a value; fails naming `what` after `deadlineMs`. */
export async function waitFor<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`real node: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tcpOpen(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A port the OS says is free on `address` (bind port 0, note it, close). */
function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A port free on both `address` and 127.0.0.1 (the daemon binds both; `curl localhost:port`). */
async function freePortOnBoth(address: string): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await freePort('127.0.0.1');
    if (!(await tcpOpen(address, p))) return p;
  }
  throw new Error('real node: no port free on both the node address and 127.0.0.1');
}

/** useradd/usermod fail while another test file holds the /etc/passwd lock: try again. */
function shadowTool(file: string, args: string[]): void {
  for (let attempt = 1; ; attempt++) {
    try {
      sh(file, args);
      return;
    } catch (err) {
      if (attempt >= 25) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

function ensureUser(user: string): { uid: number; gid: number; home: string } {
  const home = `/home/${user}`;
  try {
    sh('/usr/bin/id', ['-u', user]);
  } catch {
    shadowTool('/usr/sbin/useradd', ['--create-home', '--home-dir', home, '--shell', '/bin/bash', '--user-group', user]);
  }
  // "*": no password, but not locked ("!"), which sshd without PAM refuses even for key logins.
  shadowTool('/usr/sbin/usermod', ['-p', '*', user]);
  const uid = Number(sh('/usr/bin/id', ['-u', user]).trim());
  const gid = Number(sh('/usr/bin/id', ['-g', user]).trim());
  return { uid, gid, home };
}

function hostKeyLine(pubFile: string): string {
  return readFileSync(pubFile, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

export async function startRealNode(o: RealNodeOptions): Promise<RealNode> {
  const why = realNodeUnavailable();
  if (why) throw new Error(why);
  const [a, b, c, d] = o.address.split('.').map(Number) as [number, number, number, number];
  const fallback = `${a}.${b}.${c + 1}.${d}`;
  const { uid, gid, home } = ensureUser(o.user);
  // The run's log directory variable goes along: a daemon started here and left running is then
  // found by the end-of-suite leftover check (test/helpers/leftovers.ts).
  const marker = process.env[TEST_LOG_DIR_ENV] ? { [TEST_LOG_DIR_ENV]: process.env[TEST_LOG_DIR_ENV] } : {};
  const asUserOpts = { uid, gid, cwd: home, env: { HOME: home, USER: o.user, LOGNAME: o.user, PATH: `${home}/bin:/usr/local/bin:/usr/bin:/bin`, ...marker } };
  const run = (command: string): { stdout: string; stderr: string; code: number } => {
    try {
      const stdout = execFileSync('/bin/bash', ['-c', command], { ...asUserOpts, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { stdout, stderr: '', code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; status?: number | null };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.status ?? -1 };
    }
  };
  // Leftovers of an earlier run of this file: that user's processes (killed as that user), home.
  run('kill -KILL -1 2>/dev/null; true');

  const simNode = o.sim.state().nodes.find((n) => n.name === o.node);
  if (!simNode) throw new Error(`real node: no simulated node ${o.node}`);
  const sshPort = await freePort(o.address);
  const p2pPort = await freePortOnBoth(o.address);

  // ---- the user's home: the service dir, the daemon, stand-ins, PATH ----------------------
  for (const entry of ['ringrift', 'bin', '.realnode', '.ssh', '.bashrc']) rmSync(join(home, entry), { recursive: true, force: true });
  const serviceDir = join(home, 'ringrift', 'ai-service');
  for (const sub of ['app/distributed', 'app/coordination', 'config', 'data', 'logs']) mkdirSync(join(serviceDir, sub), { recursive: true });
  for (const pkg of ['app', 'app/distributed', 'app/coordination']) writeFileSync(join(serviceDir, pkg, '__init__.py'), '');
  copyFileSync(join(ASSETS, 'p2p_daemon.py'), join(serviceDir, 'app/distributed/p2p_daemon.py'));
  copyFileSync(join(ASSETS, 'auto_sync_daemon.py'), join(serviceDir, 'app/coordination/auto_sync_daemon.py'));
  writeFileSync(
    join(serviceDir, 'config', 'realnode.json'),
    JSON.stringify({ node_id: o.node, address: o.address, port: p2pPort, control_url: o.sim.controlUrl }, null, 2) + '\n',
  );
  mkdirSync(join(home, 'bin'));
  for (const tool of ['sudo', 'systemctl', 'tailscale']) {
    copyFileSync(join(ASSETS, 'bin', tool), join(home, 'bin', tool));
    chmodSync(join(home, 'bin', tool), 0o755);
  }
  // Debian has no `python`, the runbook's command says `python`.
  execFileSync('ln', ['-s', '/usr/bin/python3', join(home, 'bin', 'python')]);
  mkdirSync(join(home, '.realnode'));
  writeFileSync(join(home, '.realnode', 'address'), `${o.address}\n`);
  writeFileSync(join(home, '.realnode', 'node'), `${o.node}\n`);
  writeFileSync(join(home, '.realnode', 'calls.log'), '');
  // bash run by sshd reads ~/.bashrc (Debian builds bash with SSH_SOURCE_BASHRC): PATH is set
  // there, as on the cluster's nodes, before anything else.
  writeFileSync(join(home, '.bashrc'), '# real-node fixture: stand-ins and `python` first\nexport PATH="$HOME/bin:$PATH"\n');
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  const clientPub = readFileSync(`${join(o.sim.dir, 'id_cluster')}.pub`, 'utf8').trim();
  writeFileSync(join(home, '.ssh', 'authorized_keys'), `${clientPub}\n`, { mode: 0o600 });
  chmodSync(home, 0o755);
  execFileSync('chown', ['-R', `${uid}:${gid}`, home]);

  // ---- sshd ------------------------------------------------------------------------------
  const dir = join(tmpdir(), `realnode-${o.user}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const cfg = join(dir, 'sshd_config');
  writeFileSync(
    cfg,
    [
      `Port ${sshPort}`,
      `ListenAddress ${o.address}`,
      `ListenAddress ${fallback}`,
      `HostKey ${hostKey}`,
      'UsePAM no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin no',
      `AllowUsers ${o.user}`,
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  let sshdLog = '';
  // Its own process group: sshd forks per connection; stop() ends them all.
  const sshdGroup = spawnInGroup(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  const sshd = sshdGroup.child;
  sshd.stderr?.on('data', (chunk: Buffer) => (sshdLog += chunk.toString('utf8')));
  await waitFor(`sshd on ${o.address}:${sshPort}`, 15_000, async () => {
    if (sshd.exitCode !== null) throw new Error(`real node: sshd exited with ${sshd.exitCode}: ${sshdLog}`);
    return (await tcpOpen(o.address, sshPort)) ? true : undefined;
  });

  // ---- the hosts file: the simulated cluster with `node` pointing here --------------------
  const doc = yaml.load(readFileSync(o.sim.hostsFile, 'utf8')) as {
    ssh: Record<string, unknown>;
    hosts: Array<Record<string, unknown>>;
  };
  const pub = hostKeyLine(`${hostKey}.pub`);
  const knownHosts = join(o.sim.dir, `known_hosts.${o.user}`);
  writeFileSync(
    knownHosts,
    readFileSync(join(o.sim.dir, 'known_hosts'), 'utf8') + `[${o.address}]:${sshPort} ${pub}\n[${fallback}]:${sshPort} ${pub}\n`,
  );
  doc.ssh = { ...doc.ssh, user: o.user, key_path: join(o.sim.dir, 'id_cluster'), known_hosts: knownHosts };
  const entry = doc.hosts.find((h) => h.name === o.node)!;
  entry['host'] = o.address;
  entry['fallback_host'] = fallback;
  entry['tailscale_ip'] = o.address;
  // The daemon serves /status and /health on one port; sshd has its own.
  entry['ports'] = { ssh: sshPort, p2p: p2pPort, http_api: p2pPort };
  const hostsFile = join(o.sim.dir, `distributed_hosts.${o.user}.yaml`);
  writeFileSync(hostsFile, `# The simulated cluster, with ${o.node} on a real node (test/helpers/real-node.ts).\n` + yaml.dump(doc, { lineWidth: 200 }));

  const status = async (): Promise<Record<string, unknown> | undefined> => {
    try {
      const r = await fetch(`http://${o.address}:${p2pPort}/status`, { signal: AbortSignal.timeout(3000) });
      return r.ok ? ((await r.json()) as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const daemonPids = (): number[] =>
    run(`pgrep -u ${o.user} -f '${DAEMON_PATTERN}' || true`)
      .stdout.split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  const startDaemon = async (): Promise<void> => {
    // The catalog's form: only the daemon goes to the background (a backgrounded `cd … && …`
    // list is a subshell that keeps this command's stdout open while the daemon lives).
    const r = run('cd ~/ringrift/ai-service || exit 1; nohup python -m app.distributed.p2p_daemon > logs/p2p.log 2>&1 &');
    if (r.code !== 0) throw new Error(`real node: daemon start failed (${r.code}): ${r.stderr}`);
    try {
      // Python's start on a busy 2-core machine (a full `npm test`) has taken over 15 s once.
      await waitFor('the P2P daemon to answer /health', 40_000, async () => {
        try {
          const res = await fetch(`http://${o.address}:${p2pPort}/health`, { signal: AbortSignal.timeout(2000) });
          return res.ok ? true : undefined;
        } catch {
          return undefined;
        }
      });
    } catch (err) {
      // Say why: the daemon died (its log), or it runs and does not answer (its pids).
      const log = run('tail -5 ~/ringrift/ai-service/logs/p2p.log 2>&1').stdout.trim();
      throw new Error(`${(err as Error).message}; daemon pids [${daemonPids().join(', ')}]; log tail: ${log || '(empty)'}`);
    }
  };
  const readLines = (file: string): string[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];

  const restartDaemonWith = async (flags: string[]): Promise<number> => {
    run(`pkill -KILL -f '${DAEMON_PATTERN}'; rm -f ~/ringrift/ai-service/data/*; true`);
    await waitFor('the old daemon to die', 10_000, () => (daemonPids().length === 0 ? true : undefined));
    for (const f of flags) run(`touch ~/ringrift/ai-service/data/${f}`);
    await startDaemon();
    const pids = daemonPids();
    if (pids.length !== 1) throw new Error(`real node: expected one daemon after a restart, found ${pids.join(', ')}`);
    return pids[0]!;
  };

  await startDaemon();

  return {
    restartDaemonWith,
    name: o.node,
    user: o.user,
    home,
    address: o.address,
    fallback,
    sshPort,
    p2pPort,
    hostsFile,
    serviceDir,
    asUser: run,
    daemonPids,
    startDaemon,
    status,
    standInCalls: () => readLines(join(home, '.realnode', 'calls.log')),
    daemonStarts: () => readLines(join(home, '.realnode', 'starts')).map(Number),
    sshdLog: () => sshdLog,
    async stop() {
      run('kill -KILL -1 2>/dev/null; true');
      await sshdGroup.stop({ signal: 'SIGTERM' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
