// One dev server, one simulated cluster and one running worker per test file, set up and torn
// down by vitest hooks. Faults are cleared after each test so every test starts healthy.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { createTestWorker, startCluster } from './cluster.js';
import { startDevEnv, uniqueId } from './temporal-env.js';

export interface Harness {
  readonly env: TestWorkflowEnvironment;
  readonly sim: SimulatorHandle;
  readonly taskQueue: string;
}

export function clearFaults(sim: SimulatorHandle): void {
  for (const n of sim.state().nodes) for (const f of n.faults) sim.fault(n.name, f, { clear: true });
  for (const f of sim.state().cluster_faults) sim.fault('cluster', f, { clear: true });
}

export function useClusterHarness(opts: { nodes: number; subnet: number; voters?: number; name: string }): Harness {
  let env: TestWorkflowEnvironment | undefined;
  let sim: SimulatorHandle | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const taskQueue = uniqueId(`${opts.name}-q`);

  beforeAll(async () => {
    [env, sim] = await Promise.all([
      startDevEnv(),
      startCluster({ nodes: opts.nodes, subnet: opts.subnet, ...(opts.voters !== undefined && { voters: opts.voters }) }),
    ]);
    worker = await createTestWorker(env, sim, taskQueue);
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await sim?.stop();
    await env?.teardown();
  });
  afterEach(() => {
    if (sim) clearFaults(sim);
  });

  return {
    get env() {
      return env!;
    },
    get sim() {
      return sim!;
    },
    taskQueue,
  };
}
