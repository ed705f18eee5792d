// The benchmark's worker, alone in its own process so its peak RSS (VmHWM) is the worker's and
// nothing else's: the real activities with the default policy (3 s probe timeout) against the
// simulator's hosts file. Started by bench/diagnose.ts as `node --import tsx bench/worker-process.ts`.
//
//   --address HOST:PORT   Temporal frontend      --task-queue Q    task queue to poll
//   --hosts FILE          hosts file (the sim's) --bundle FILE     pre-built workflow bundle
//
// The admin key comes from $RUNBOOK_ADMIN_KEY (never argv). Prints "ready" once polling can start;
// Worker.run() drains and exits on SIGINT/SIGTERM by itself.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { defaultPolicy } from '../src/config/loader.js';
import { activityDeps } from '../src/worker/deps.js';
import { connectWorker, createRunbookWorker } from '../src/worker/worker.js';

/**
 * $BENCH_WORKER_CPU_PROFILE=FILE: a CPU profile of the worker's main thread (the activities) from
 * "ready" to shutdown, for a look at where a sweep's CPU goes (`node --cpu-prof` loses it on SIGTERM).
 */
async function startCpuProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  const post = (method: string): Promise<unknown> =>
    new Promise((res, rej) => session.post(method, (err, result) => (err ? rej(err) : res(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      address: { type: 'string' },
      'task-queue': { type: 'string' },
      hosts: { type: 'string' },
      bundle: { type: 'string' },
    },
  });
  const { address, hosts, bundle } = values;
  const taskQueue = values['task-queue'];
  if (!address || !taskQueue || !hosts || !bundle) throw new Error('usage: worker-process --address A --task-queue Q --hosts F --bundle F');

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await connectWorker(address);
  const worker = await createRunbookWorker({
    connection,
    namespace: 'default',
    taskQueue,
    // Bundled once by the parent: webpack's memory would otherwise dominate this process's peak.
    workflowBundle: { codePath: bundle },
    deps: activityDeps({ hostsFile: hosts, policy: defaultPolicy(), adminKey: process.env['RUNBOOK_ADMIN_KEY'] }),
  });
  const profile = await startCpuProfile(process.env['BENCH_WORKER_CPU_PROFILE']);
  console.log('ready');
  try {
    await worker.run();
  } finally {
    await profile();
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
