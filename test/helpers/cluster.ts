// A simulated cluster plus a real worker for it, for workflow tests against the dev server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type RunbookActivities } from '../../activities/index.js';
import { defaultPolicy } from '../../src/config/loader.js';
import type { RunbookPolicy } from '../../src/domain/policy.js';
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';
import { activityDeps } from '../../src/worker/deps.js';
import { clusterSecrets } from './secrets.js';
import { workflowBundle } from './temporal-env.js';
import { registerSecrets } from './test-logs.js';

export const ADMIN_KEY = 'test-admin-key-5f2c';

/** Short probe timeouts keep host-down tests quick; the shape of the policy is the real one. */
export function testPolicy(overrides: Partial<RunbookPolicy['probe']> = {}): RunbookPolicy {
  const p = defaultPolicy();
  return { ...p, probe: { ...p.probe, connectTimeoutMs: 1000, totalTimeoutMs: 1500, ...overrides } };
}

/** The simulator's own options, a subnet from test/helpers/subnets.ts required; the admin key is the tests' one. */
export type ClusterOptions = Omit<SimulatorOptions, 'adminKey' | 'subnet'> & { subnet: number };

export async function startCluster(opts: ClusterOptions): Promise<SimulatorHandle> {
  // Simulated time runs five times faster unless the file says otherwise.
  const sim = await startSimulator({ timeScale: 0.2, ...opts, adminKey: ADMIN_KEY });
  registerSecrets(clusterSecrets(sim)); // the admin key and SSH key body: the secret scan looks for them
  return sim;
}

export async function createTestWorker(
  env: TestWorkflowEnvironment,
  sim: SimulatorHandle,
  taskQueue: string,
  policy: RunbookPolicy = testPolicy(),
  /** Wraps the real activities, e.g. to fail one of them or count its calls (a fake beside the real ones). */
  wrap: (real: RunbookActivities) => RunbookActivities = (real) => real,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: wrap(createActivities(activityDeps({ hostsFile: sim.hostsFile, policy, adminKey: ADMIN_KEY }))),
  });
}
