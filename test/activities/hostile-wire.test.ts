// Hostile node answers on the wire (a broken node must not hang or crash diagnose): a node that
// cuts a body short, drips it a byte at a time, streams without end, floods headers, speaks no HTTP
// or never answers. The diagnose probe (real undici, real sockets) must turn each into a failed
// check with a short reason within its deadline: never a hang, never an exception, never a result
// that grows.
import { createServer, type Server, type Socket } from 'node:net';
import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { probeNode } from '../../activities/probe.js';
import { MAX_NODE_TEXT } from '../../src/domain/node-text.js';
import type { NodeProbe } from '../../src/domain/probes.js';
import { fastPolicy, host } from './helpers.js';

type Behaviour = (socket: Socket) => void;

const timers = new Set<NodeJS.Timeout>();
const every = (ms: number, fn: () => void): void => {
  timers.add(setInterval(fn, ms));
};

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n';
const BEHAVIOURS: Record<string, Behaviour> = {
  'body cut short, then closed': (s) => s.end(`${HEAD}Content-Length: 1000\r\n\r\n{"status":"run`),
  'body cut short, connection held open': (s) => s.write(`${HEAD}Content-Length: 1000\r\n\r\n{"status":"run`),
  'body dripped a byte at a time': (s) => {
    s.write(`${HEAD}Transfer-Encoding: chunked\r\n\r\n`);
    every(100, () => s.writable && s.write('1\r\n \r\n'));
  },
  'body without end': (s) => {
    s.write(`${HEAD}Transfer-Encoding: chunked\r\n\r\n`);
    const chunk = 'x'.repeat(64 * 1024);
    every(5, () => s.writable && s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`));
  },
  'headers without end': (s) => {
    s.write('HTTP/1.1 200 OK\r\n');
    every(5, () => s.writable && s.write(`X-Flood: ${'y'.repeat(4096)}\r\n`));
  },
  'no HTTP at all': (s) => s.end(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x0a, 0x00, 0xff])),
  'accepts and never answers': () => undefined,
  'status answer of hostile markdown, 200 KB long': (s) => {
    const body = JSON.stringify({ status: `**${'<b>'.repeat(60_000)}**`, leader_id: '[x](javascript:1)', alive_peers: 1, total_peers: 1 });
    s.end(`${HEAD}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  },
};

const servers: Server[] = [];
const sockets = new Set<Socket>();
async function serve(behaviour: Behaviour): Promise<number> {
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    behaviour(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

afterAll(() => {
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  // Not awaited: close() waits for connections a hostile server never ends on its own.
  for (const s of servers) s.close().unref();
});

/** Fails (instead of hanging the suite) if the probe never returns. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: the probe did not return within ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the diagnose probe against hostile wire behaviour', () => {
  const policy = fastPolicy();
  const agent = new Agent({ headersTimeout: policy.probe.totalTimeoutMs, bodyTimeout: policy.probe.totalTimeoutMs, connections: 1 });
  // destroy, not close: close() would wait for the requests these servers never answer.
  afterAll(() => agent.destroy());

  for (const [name, behaviour] of Object.entries(BEHAVIOURS)) {
    it(`${name}: every check fails with a short reason, and the probe returns`, async () => {
      const port = await serve(behaviour);
      const node = host('hostile', '127.0.0.1', { p2p: port, http_api: port, ssh: port });
      const probe: NodeProbe = await within(probeNode(node, policy.probe, agent, new AbortController().signal), 30_000, name);
      for (const check of [probe.checks.p2p, probe.checks.http, probe.checks.ssh]) {
        if (!check.ok) {
          expect(check.error, JSON.stringify(check)).toBeTruthy();
          expect(check.error!.length).toBeLessThanOrEqual(200);
        }
      }
      // Nothing here is an SSH server, and only the last one sends a /status body that parses:
      // its strings are then capped, not kept at 200 KB.
      expect(probe.checks.ssh.ok).toBe(false);
      if (probe.checks.p2p.ok) expect(probe.status!.status.length).toBeLessThanOrEqual(MAX_NODE_TEXT + 24);
      else expect(name).not.toContain('hostile markdown');
      expect(JSON.stringify(probe).length).toBeLessThanOrEqual(2_000);
    });
  }
});
