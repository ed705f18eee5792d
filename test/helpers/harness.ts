// One dev server, one simulated cluster and one running worker per test file, set up and torn
// down by vitest hooks (every end-to-end suite shares this one harness rather than its own set-up).
// Faults are cleared after each test so every test starts healthy. Options cover what some files need
// besides: simulator settings, a local receiver (a stand-in for PagerDuty or Slack) started with
// the rest, a worker with its own policy or wrapped activities, or no shared worker at all for
// files whose tests each run their own (`harness.createWorker`), the time-skipping server instead
// of the dev server, or the dev server's Web UI.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { RunbookActivities } from '../../activities/index.js';
import type { RunbookPolicy } from '../../src/domain/policy.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { type ClusterOptions, createTestWorker, startCluster } from './cluster.js';
import { type Receiver, startReceiver } from './receiver.js';
import { freePort } from './free-port.js';
import { startDevEnv, startTimeSkippingEnv, uniqueId } from './temporal-env.js';

export interface Harness {
  readonly env: TestWorkflowEnvironment;
  readonly sim: SimulatorHandle;
  /** The queue of the shared worker (when the file has one). */
  readonly taskQueue: string;
  /** The local receiver, when the file asked for one; emptied after each test. */
  readonly receiver: Receiver;
  /** The Temporal Web UI's address, when the file asked for it (`ui: true`). */
  readonly uiUrl: string;
  /** A worker of this file's cluster on `taskQueue` (default a fresh queue), not yet running. */
  createWorker(o?: WorkerOptions): Promise<Worker>;
}

export interface WorkerOptions {
  taskQueue?: string;
  policy?: RunbookPolicy;
  /** Wraps the real activities, e.g. to fail one of them or count its calls. */
  wrap?: (real: RunbookActivities) => RunbookActivities;
}

export interface HarnessOptions extends ClusterOptions {
  /** Prefix of the task queue name. */
  name: string;
  /** The shared worker's queue, when the file needs a fixed one (e.g. the CLI's default). */
  taskQueue?: string;
  /** `time-skipping`: the test server, where timers pass at once (approval deadlines). */
  server?: 'dev' | 'time-skipping';
  /** The dev server also serves its Web UI, on a free port. */
  ui?: boolean;
  /** A receiver on `host` (a loopback address of the file's own subnet) answering on `path`. */
  receiver?: { host: string; path?: string };
  /**
   * The shared worker: `false` for none (each test runs its own), or its options, read once the
   * servers are up (so they may use `harness.receiver.url`).
   */
  worker?: false | ((h: Omit<Harness, 'createWorker' | 'taskQueue'>) => Omit<WorkerOptions, 'taskQueue'>);
}

export function clearFaults(sim: SimulatorHandle): void {
  for (const n of sim.state().nodes) for (const f of n.faults) sim.fault(n.name, f, { clear: true });
  for (const f of sim.state().cluster_faults) sim.fault('cluster', f, { clear: true });
}

export function useClusterHarness(opts: HarnessOptions): Harness {
  const { name, taskQueue: fixedQueue, server = 'dev', ui = false, receiver: receiverAt, worker: workerOptions, ...cluster } = opts;
  let env: TestWorkflowEnvironment | undefined;
  let sim: SimulatorHandle | undefined;
  let receiver: Receiver | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let uiPort: number | undefined;
  const taskQueue = fixedQueue ?? uniqueId(`${name}-q`);

  const harness: Harness = {
    get env() {
      return env!;
    },
    get sim() {
      return sim!;
    },
    get uiUrl() {
      if (uiPort === undefined) throw new Error('this harness has no Web UI: pass `ui: true` to useClusterHarness');
      return `http://127.0.0.1:${uiPort}`;
    },
    get receiver() {
      if (!receiver) throw new Error('this harness has no receiver: pass `receiver` to useClusterHarness');
      return receiver;
    },
    taskQueue,
    createWorker: (o = {}) => createTestWorker(harness.env, harness.sim, o.taskQueue ?? uniqueId(`${name}-q`), o.policy, o.wrap),
  };

  beforeAll(async () => {
    if (ui) uiPort = await freePort(); // not a fixed port another run may hold
    [env, sim, receiver] = await Promise.all([
      server === 'time-skipping' ? startTimeSkippingEnv() : startDevEnv(uiPort !== undefined ? { uiPort } : {}),
      startCluster(cluster),
      receiverAt ? startReceiver(receiverAt.host, receiverAt.path) : undefined,
    ]);
    if (workerOptions === false) return;
    worker = await harness.createWorker({ taskQueue, ...workerOptions?.(harness) });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await receiver?.close();
    await sim?.stop();
    await env?.teardown();
  });
  afterEach(() => {
    if (sim) clearFaults(sim);
    receiver?.received.splice(0);
  });

  return harness;
}
