// A dev server, a simulated cluster, one real node in it (test/helpers/real-node.ts) and a
// worker whose config is the hosts file that points one worker node at the real node.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { activityDeps } from '../../src/worker/deps.js';
import { ADMIN_KEY, startCluster, testPolicy } from './cluster.js';
import { type RealNode, startRealNode } from './real-node.js';
import { startDevEnv, uniqueId, workflowBundle } from './temporal-env.js';

export interface RealNodeHarness {
  readonly env: TestWorkflowEnvironment;
  readonly sim: SimulatorHandle;
  readonly node: RealNode;
  readonly taskQueue: string;
}

export function useRealNodeHarness(opts: { subnet: number; user: string; address: string; name: string }): RealNodeHarness {
  let env: TestWorkflowEnvironment | undefined;
  let sim: SimulatorHandle | undefined;
  let node: RealNode | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const taskQueue = uniqueId(`${opts.name}-q`);

  beforeAll(async () => {
    [env, sim] = await Promise.all([startDevEnv(), startCluster({ nodes: 4, voters: 3, subnet: opts.subnet })]);
    // A worker node: the voter quorum guard has nothing to say about it, as on most real nodes.
    const target = sim.state().nodes.find((n) => n.role === 'worker')!;
    node = await startRealNode({ sim, node: target.name, user: opts.user, address: opts.address });
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createActivities(activityDeps({ hostsFile: node.hostsFile, policy: testPolicy(), adminKey: ADMIN_KEY })),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await node?.stop();
    await sim?.stop();
    await env?.teardown();
  });

  return {
    get env() {
      return env!;
    },
    get sim() {
      return sim!;
    },
    get node() {
      return node!;
    },
    taskQueue,
  };
}
