// Benchmark: the webhook's HTTP layer alone, in CPU-ms per post (what the alert storm's p99 leaves
// once Temporal is out; bench/README.md "bench/alerts"). The app runs in its own process (bench/lib/webhook-http-server.ts)
// with a fake intake, so no Temporal call is in the figure; the posts are the alert storm's
// (100 occurrences on 16 nodes), sent closed-loop over --connections keep-alive connections.
//   npx tsx bench/webhook-http.ts [--posts 3000] [--connections 32] [--log-every-post]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { planStorm } from './lib/alert-storm.js';
import { BenchUsageError, intInRange } from './lib/bench-args.js';
import { ROOT } from './lib/bench-config.js';
import { track, stopChild } from './lib/child-processes.js';
import { notificationFor } from './lib/storm-client.js';

const HTTP_BENCH_TOKEN = 'webhook-http-bench-token-4b0c';

const USAGE = 'usage: npx tsx bench/webhook-http.ts [--posts 3000] [--connections 32] [--log-every-post]';

function options(): { posts: number; connections: number; logEveryPost: boolean } {
  try {
    const { values } = parseArgs({
      options: { posts: { type: 'string', default: '3000' }, connections: { type: 'string', default: '32' }, 'log-every-post': { type: 'boolean', default: false } },
    });
    return { posts: intInRange('--posts', values.posts, 1, 1_000_000), connections: intInRange('--connections', values.connections, 1, 1024), logEveryPost: values['log-every-post'] };
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const o = options();
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/lib/webhook-http-server.ts')], {
      cwd: ROOT,
      env: { ...process.env, BENCH_LOG_LEVEL: o.logEveryPost ? 'debug' : 'info', BENCH_WEBHOOK_TOKEN: HTTP_BENCH_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  child.stderr!.resume();
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    const ls = buf.split('\n');
    buf = ls.pop() ?? '';
    lines.push(...ls);
    waiters.splice(0).forEach((w) => w());
  });
  const line = async (prefix: string): Promise<string> => {
    const end = Date.now() + 60_000;
    for (;;) {
      const i = lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return lines.splice(i, 1)[0]!.slice(prefix.length);
      if (Date.now() > end || child.exitCode !== null) throw new Error(`the server never printed "${prefix}"`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 500);
      });
    }
  };
  try {
    const port = Number(await line('PORT '));
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: o.connections, keepAliveTimeout: 30_000 });
    const plan = planStorm({ alerts: 100, distinct: 100, seconds: 1, clients: 1, nodes: Array.from({ length: 16 }, (_, i) => `n${i}`), baseTime: new Date(Date.UTC(2026, 0, 1)), seed: 1 });
    const bodies = plan.occurrences.map(notificationFor);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${HTTP_BENCH_TOKEN}` };
    const send = async (n: number): Promise<void> => {
      let next = 0;
      const connection = async (): Promise<void> => {
        while (next < n) {
          const i = next++;
          const res = await pool.request({ path: '/alerts/alertmanager', method: 'POST', headers, body: bodies[i % bodies.length]! });
          await res.body.text();
          if (res.statusCode !== 202) throw new Error(`post ${i}: status ${res.statusCode}`);
        }
      };
      await Promise.all(Array.from({ length: o.connections }, connection));
    };
    await send(Math.min(1000, o.posts)); // warm-up: JIT, connections
    child.kill('SIGUSR2');
    const cpu0 = Number(await line('CPU '));
    const t0 = performance.now();
    await send(o.posts);
    const wall = performance.now() - t0;
    child.kill('SIGUSR2');
    const cpu = Number(await line('CPU ')) - cpu0;
    console.log(
      `webhook HTTP layer: ${o.posts} posts over ${o.connections} connections in ${(wall / 1000).toFixed(1)} s; ` +
        `server CPU ${cpu.toFixed(0)} ms = ${(cpu / o.posts).toFixed(3)} ms per post${o.logEveryPost ? ' (every post logged)' : ''}`,
    );
    await pool.close();
  } finally {
    await stopChild(child, 5_000);
  }
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err instanceof BenchUsageError ? err.message : err);
    process.exit(1);
  });
