// §3.4 routing checks: DNS resolution, TCP reachability of the P2P and SSH ports (`nc -vz`) and a
// short traceroute when the binary is installed.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import { delimiter, join } from 'node:path';
import type { HostSpec } from '../src/domain/cluster-spec.js';
import type { RoutingCheck } from '../src/domain/probes.js';
import { withDeadline } from './transport/abort.js';
import { failureReason } from './transport/http.js';

const TRACEROUTE_ARGS = ['-n', '-w', '1', '-q', '1', '-m', '8'];
/** 8 hops x 1 s wait, plus slack. */
const TRACEROUTE_TIMEOUT_MS = 12_000;
const TRACEROUTE_OUTPUT_CAP = 2048;

export type LookupAll = (hostname: string, options: { all: true }) => Promise<Array<{ address: string }>>;

/**
 * §3.4 `dig <node-hostname>`, bounded: the system resolver (getaddrinfo, so /etc/hosts counts
 * as it does for ssh) gets `timeoutMs`, then the check reports `timeout`. getaddrinfo cannot be
 * cancelled; its thread-pool thread finishes when the OS resolver gives up, but nothing here
 * waits for it, so a dead DNS server cannot hold the activity past its deadline.
 */
export async function resolveHost(
  address: string,
  timeoutMs: number,
  signal: AbortSignal,
  lookupAll: LookupAll = lookup,
): Promise<RoutingCheck['dns']> {
  if (isIP(address) !== 0) return { ok: true, addresses: [address] };
  try {
    const found = await withDeadline([signal], timeoutMs, (s) =>
      Promise.race([
        lookupAll(address, { all: true }),
        new Promise<never>((_resolve, reject) => {
          const stop = (): void => reject(s.reason);
          if (s.aborted) stop();
          else s.addEventListener('abort', stop, { once: true });
        }),
      ]),
    );
    return { ok: true, addresses: found.map((a) => a.address) };
  } catch (err) {
    return { ok: false, addresses: [], error: signal.aborted ? 'aborted' : failureReason(err) };
  }
}

/** `nc -vz addr port`: connect and close; latency of the handshake. */
export function tcpCheck(address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<RoutingCheck['tcp'][number]> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    const onAbort = (): void => done('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    function done(error?: string): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      const ms = Math.round(performance.now() - started);
      resolve(error === undefined ? { port, ok: true, ms } : { port, ok: false, ms, error });
    }
    socket.once('connect', () => done());
    socket.once('error', (err) => done(failureReason(err)));
  });
}

/** The first executable named `name` on PATH, or undefined. */
export async function findOnPath(name: string, path = process.env['PATH'] ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function traceroute(address: string, signal: AbortSignal): Promise<RoutingCheck['traceroute']> {
  const bin = await findOnPath('traceroute');
  if (!bin) return { ran: false, skippedReason: 'traceroute not installed' };
  return new Promise((resolve) => {
    execFile(bin, [...TRACEROUTE_ARGS, address], { timeout: TRACEROUTE_TIMEOUT_MS, signal, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      const output = (stdout || stderr).slice(0, TRACEROUTE_OUTPUT_CAP);
      if (err && !stdout) {
        resolve({ ran: true, output: output || (err.killed ? 'timeout' : failureReason(err)) });
      } else {
        resolve({ ran: true, output });
      }
    });
  });
}

export async function routingCheck(host: HostSpec, connectTimeoutMs: number, signal: AbortSignal): Promise<RoutingCheck> {
  const [dns, p2p, ssh, trace] = await Promise.all([
    resolveHost(host.host, connectTimeoutMs, signal),
    tcpCheck(host.host, host.ports.p2p, connectTimeoutMs, signal),
    tcpCheck(host.host, host.ports.ssh, connectTimeoutMs, signal),
    traceroute(host.host, signal),
  ]);
  return { node: host.name, dns, tcp: [p2p, ssh], traceroute: trace };
}
