// §3.2/§3.5/§4.x over SSH: one catalogued command on one node, strict host key checking, key auth.
// The private key is read here, handed to ssh2 and never returned, logged or put in a message.
import { readFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import type { NodeSSH } from 'node-ssh';
import type { ClientChannel, ServerHostKeyAlgorithm } from 'ssh2';
import type { ClusterSpec, HostSpec } from '../src/domain/cluster-spec.js';
import type { SshResult, SshVia } from '../src/domain/probes.js';
import { isSshStep, sshCommand, type SshStep, UnsafeCatalogParameterError } from '../src/domain/ssh-catalog.js';
import { type Candidate, candidates, findHost } from './transport/node-lookup.js';
import { cancellationSignal, periodicHeartbeat, throwIfCancelled } from './transport/context.js';
import {
  ConfigInvalidError,
  HostKeyMismatchError,
  SshAuthError,
  SshConnectError,
  UnknownHostKeyError,
  UnknownSshStepError,
} from './errors.js';
import { failureReason } from './transport/http.js';
import { entriesFor, hostKeyAlgorithms, type KnownHostEntry, lookupName, parseKnownHosts, verifyHostKey } from './transport/known-hosts.js';

/** Per stream; keeps workflow history small. */
export const OUTPUT_CAP_BYTES = 4096;
/** A catalogued command that runs longer than this is reported as exit 124, like timeout(1). */
export const EXEC_TIMEOUT_MS = 120_000;


export interface SshRunInput {
  node: string;
  step: string;
  via?: SshVia;
  /** `peer-check`: the node that `node` looks at (a configured name: its address comes from the config). */
  target?: string;
}

export function commandFor(spec: ClusterSpec, host: HostSpec, step: SshStep, target?: HostSpec): string {
  const backbone = findHost(spec, spec.backbone);
  try {
    return sshCommand(step, {
      serviceDir: spec.service_dir,
      backbone: backbone.name,
      // reach-backbone curls the backbone's P2P port; p2p-local-status the node's own.
      p2pPort: step === 'reach-backbone' ? backbone.ports.p2p : host.ports.p2p,
      ...(target && { target: { host: target.host, p2pPort: target.ports.p2p, sshPort: target.ports.ssh } }),
    });
  } catch (err) {
    if (err instanceof UnsafeCatalogParameterError) throw new ConfigInvalidError(err.message, { cause: err });
    throw err;
  }
}

async function readConfigFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    // Only the path and the errno code: never the content.
    throw new ConfigInvalidError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function pickCandidates(host: HostSpec, via: SshVia): Candidate[] {
  const all = candidates(host);
  if (via === 'auto') return all;
  const picked = all.filter((c) => c.via === via);
  if (picked.length === 0) throw new ConfigInvalidError(`node ${host.name} has no ${via} address (fallback_host not set)`);
  return picked;
}

class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    if (chunk.length > room) this.truncated = true;
    const kept = chunk.subarray(0, room);
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

interface Session {
  host: HostSpec;
  cand: Candidate;
  spec: ClusterSpec;
  privateKey: string;
  knownHosts: KnownHostEntry[];
  signal: AbortSignal;
}

async function connect(s: Session): Promise<NodeSSH> {
  const { host, cand, spec } = s;
  const port = host.ports.ssh;
  const names = [lookupName(cand.address, port), lookupName(host.name, port)];
  const relevant = entriesFor(s.knownHosts, names);
  if (!relevant.some((e) => e.marker === undefined)) {
    throw new UnknownHostKeyError(host.name, cand.address, spec.ssh.known_hosts);
  }
  let verdict: string | undefined;
  // Loaded on the first SSH step, not at worker start: ssh2's crypto and protocol modules cost
  // more CPU than anything else of ours when the worker starts (target: worker ready < 1 s).
  const { NodeSSH } = await import('node-ssh');
  const ssh = new NodeSSH();
  const onAbort = (): void => {
    ssh.connection?.end();
  };
  s.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await ssh.connect({
      host: cand.address,
      port,
      username: spec.ssh.user,
      privateKey: s.privateKey,
      readyTimeout: spec.ssh.connect_timeout_s * 1000,
      keepaliveInterval: keepaliveIntervalMs(spec),
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      tryKeyboard: false,
      algorithms: { serverHostKey: hostKeyAlgorithms(relevant) as ServerHostKeyAlgorithm[] },
      hostVerifier: (key: Buffer): boolean => {
        verdict = verifyHostKey(relevant, names, key);
        return verdict === 'match';
      },
    });
  } catch (err) {
    ssh.dispose();
    throwIfCancelled(s.signal);
    if (verdict === 'mismatch' || verdict === 'revoked') {
      throw new HostKeyMismatchError(host.name, cand.address, spec.ssh.known_hosts);
    }
    const e = err as { level?: string; message?: string };
    if (e.level === 'client-authentication') throw new SshAuthError(host.name, cand.address, { cause: err });
    if (typeof e.message === 'string' && /privateKey|private key/i.test(e.message) && e.level === undefined) {
      // No cause: keep parser messages out of the failure, whatever they contain.
      throw new ConfigInvalidError(`cannot parse the private key at ${spec.ssh.key_path}`);
    }
    const reason =
      e.level === 'client-timeout' || /timed out/i.test(e.message ?? '') ? 'timeout' : failureReason(err) === 'error' ? (e.message ?? 'error') : failureReason(err);
    throw new SshConnectError(host.name, cand.address, reason, { cause: err });
  } finally {
    s.signal.removeEventListener('abort', onAbort);
  }
  // node-ssh stops listening for errors once connected; an unhandled 'error' would crash the worker.
  ssh.connection?.on('error', () => undefined);
  return ssh;
}

/**
 * Keepalives: a session whose peer stops answering (a networkd restart or `tailscale down` on
 * the node leaves the TCP connection open and silent) is declared dead after this many
 * unanswered probes, one every `connect_timeout_s` (at least 1 s).
 */
export const KEEPALIVE_COUNT_MAX = 3;

export function keepaliveIntervalMs(spec: ClusterSpec): number {
  return Math.max(1000, spec.ssh.connect_timeout_s * 1000);
}

/** The exec channel could not be opened: the command never started. */
class ChannelOpenError extends Error {}

/** Opens an exec channel, bounded: a peer that never answers the open is given up on. */
/** What the peer said about how the command ended; filled as soon as the channel exists. */
interface ExitInfo {
  seen: boolean;
  code?: number | null;
  signal?: string;
}

function openChannel(
  conn: NonNullable<NodeSSH['connection']>,
  command: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ channel: ClientChannel; exit: ExitInfo }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      conn.removeListener('close', onClose);
      f();
    };
    const timer = setTimeout(() => done(() => reject(new ChannelOpenError(`no answer to the channel open within ${timeoutMs} ms`))), timeoutMs);
    const onAbort = (): void => done(() => reject(signal.reason));
    const onClose = (): void => done(() => reject(new ChannelOpenError('connection closed before the channel opened')));
    signal.addEventListener('abort', onAbort, { once: true });
    conn.once('close', onClose);
    try {
      conn.exec(command, (err, ch) => {
        if (err) return done(() => reject(new ChannelOpenError(err.message)));
        // Listen for the exit status at once: with ssh2's pure-JS crypto a short command's whole
        // answer (data, exit-status, close) can arrive in this same tick, before the caller's
        // await resumes, and a late 'exit' listener would miss it (exit -1). Data is buffered.
        const exit: ExitInfo = { seen: false };
        ch.on('exit', (code: number | null, sig?: string) => Object.assign(exit, { seen: true, code, signal: sig }));
        done(() => resolve({ channel: ch, exit }));
      });
    } catch (err) {
      done(() => reject(new ChannelOpenError((err as Error).message)));
    }
  });
}

/** sshd reports a shell killed by a signal as exit-signal; report it the way a shell would (128 + n). */
function signalExitCode(sig: string): number {
  const n = (osConstants.signals as Record<string, number | undefined>)[sig.startsWith('SIG') ? sig : `SIG${sig}`];
  return 128 + (n ?? 0);
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

async function exec(
  ssh: NodeSSH,
  command: string,
  cap: number,
  signal: AbortSignal,
  channelOpenTimeoutMs: number,
  stdin?: string,
): Promise<ExecResult> {
  const conn = ssh.connection;
  if (!conn) throw new ChannelOpenError('SSH connection closed');
  const { channel, exit } = await openChannel(conn, command, channelOpenTimeoutMs, signal);
  // Secrets travel here, never in `command`: stdin is in no argv, `ps` or shell history.
  if (stdin !== undefined) channel.end(stdin);
  const out = new CappedOutput(cap);
  const errOut = new CappedOutput(cap);
  return new Promise((resolve, reject) => {
    const exitCode = (): number | undefined =>
      !exit.seen ? undefined : typeof exit.code === 'number' ? exit.code : exit.signal !== undefined ? signalExitCode(exit.signal) : -1;
    let lost: string | undefined;
    let settled = false;
    // Deadline and cancel end the whole connection: channel.close() would wait for a peer that
    // may never answer, leaking the socket and this activity's heartbeat timer.
    const finish = (how: 'closed' | 'deadline' | 'lost' | 'cancelled'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      conn.removeListener('close', onConnClose);
      conn.removeListener('error', onConnError);
      if (how !== 'closed') conn.destroy();
      if (how === 'cancelled') return reject(signal.reason);
      if (how === 'deadline') errOut.push(Buffer.from(`\n[runbook: timed out after ${EXEC_TIMEOUT_MS / 1000}s; connection closed]`));
      if (how === 'lost') errOut.push(Buffer.from(`\n[runbook: connection lost: ${lost ?? 'closed by the peer'}]`));
      resolve({
        exitCode: how === 'deadline' ? 124 : (exitCode() ?? -1),
        stdout: out.text(),
        stderr: errOut.text(),
        truncated: out.truncated || errOut.truncated,
      });
    };
    const timer = setTimeout(() => finish('deadline'), EXEC_TIMEOUT_MS);
    const onAbort = (): void => finish('cancelled');
    const onConnError = (err: Error): void => {
      lost ??= err.message;
    };
    const onConnClose = (): void => finish(signal.aborted ? 'cancelled' : exitCode() === undefined ? 'lost' : 'closed');
    signal.addEventListener('abort', onAbort, { once: true });
    conn.on('error', onConnError);
    conn.once('close', onConnClose);
    channel.on('data', (d: Buffer) => out.push(d));
    channel.stderr.on('data', (d: Buffer) => errOut.push(d));
    channel.on('close', () => finish(signal.aborted ? 'cancelled' : 'closed'));
  });
}

/** One open SSH connection to a node, for several commands in a row (a watch loop). */
export interface SshConnection {
  readonly via: Candidate['via'];
  /** Runs `command` in a new channel; `stdin` is written and closed (EOF) first. */
  exec(command: string, opts?: { stdin?: string; cap?: number }): Promise<ExecResult>;
  close(): void;
}

export interface SshRunner {
  run(input: SshRunInput, cap?: number): Promise<SshResult>;
  /** Connects to `node` (primary, then fallback on connection failures); close it when done. */
  open(node: string, via?: SshVia): Promise<SshConnection>;
}

export function createSshRunner(cluster: () => ClusterSpec): SshRunner {
  async function open(spec: ClusterSpec, host: HostSpec, via: SshVia, signal: AbortSignal): Promise<SshConnection> {
    const cands = pickCandidates(host, via);
    const [privateKey, knownHostsText] = await Promise.all([
      readConfigFile(spec.ssh.key_path, 'SSH private key'),
      readConfigFile(spec.ssh.known_hosts, 'known_hosts file'),
    ]);
    const knownHosts = parseKnownHosts(knownHostsText);
    for (let i = 0; ; i++) {
      const cand = cands[i]!;
      let ssh: NodeSSH;
      try {
        ssh = await connect({ host, cand, spec, privateKey, knownHosts, signal });
      } catch (err) {
        // Only "could not connect" moves on to the fallback; key and auth problems are final.
        if (err instanceof SshConnectError && i + 1 < cands.length) continue;
        throw err;
      }
      return {
        via: cand.via,
        exec: async (command, opts = {}) => {
          try {
            return await exec(ssh, command, opts.cap ?? OUTPUT_CAP_BYTES, signal, spec.ssh.connect_timeout_s * 1000, opts.stdin);
          } catch (err) {
            // The command never started: retryable, like a failed connect.
            if (err instanceof ChannelOpenError) throw new SshConnectError(host.name, cand.address, `channel open: ${err.message}`);
            throw err;
          }
        },
        close: () => ssh.dispose(),
      };
    }
  }

  return {
    async run({ node, step, via = 'auto', target }, cap = OUTPUT_CAP_BYTES) {
      if (!isSshStep(step)) throw new UnknownSshStepError(String(step));
      const spec = cluster();
      const host = findHost(spec, node);
      const command = commandFor(spec, host, step, target !== undefined ? findHost(spec, target) : undefined);
      const signal = cancellationSignal();
      const started = performance.now();
      const hb = periodicHeartbeat(() => ({ node, step }));
      try {
        const conn = await open(spec, host, via, signal);
        try {
          const r = await conn.exec(command, { cap });
          return { node, step, via: conn.via, ...r, ms: Math.round(performance.now() - started) };
        } finally {
          conn.close();
        }
      } finally {
        hb.stop();
      }
    },
    async open(node, via = 'auto') {
      const spec = cluster();
      return open(spec, findHost(spec, node), via, cancellationSignal());
    },
  };
}

const SECTION_HEADER = /^=== (.+) ===$/;
const SECTION_CAP_CHARS = 2048;

/** Splits §3.5 output on its `=== X ===` headers; text before the first header is dropped. */
export function splitSections(output: string): Record<string, string> {
  const sections: Record<string, string> = {};
  let current: string | undefined;
  const lines: string[] = [];
  const flush = (): void => {
    if (current !== undefined) sections[current] = lines.join('\n').trim().slice(0, SECTION_CAP_CHARS);
    lines.length = 0;
  };
  for (const line of output.split('\n')) {
    const m = SECTION_HEADER.exec(line.trim());
    if (m) {
      flush();
      current = m[1]!;
    } else {
      lines.push(line);
    }
  }
  flush();
  return sections;
}
