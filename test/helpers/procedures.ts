// Starting procedures the way the CLI does (through startWorkflow, typed by the workflow), for tests.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startWorkflow } from '../../src/client/start.js';
import type { ProcedureName, WorkflowInput } from '../../workflows/registry.js';
import { uniqueId } from './temporal-env.js';

export interface StartOptions<N extends ProcedureName = ProcedureName> {
  node?: string;
  dryRun?: boolean;
  autoApprove?: boolean;
  approvalTimeoutMs?: number;
  /** Fields of this procedure's own input (checked against its workflow's parameter). */
  extra?: Partial<WorkflowInput<N>>;
}

export function startProcedure<N extends ProcedureName>(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  procedure: N,
  o: StartOptions<N> = {},
): ReturnType<typeof startWorkflow<N>> {
  const input = {
    ...(o.node !== undefined && { node: o.node }),
    dryRun: o.dryRun === true,
    approval: {
      timeoutMs: o.approvalTimeoutMs ?? 10 * 60_000,
      modes: { low: 'auto', high: 'require' },
      ...(o.autoApprove && { autoApprove: true }),
    },
    verifyTimeoutMs: 20_000,
    // One semaphore per test task queue: workers of earlier tests are gone.
    slotsWorkflowId: `slots-${taskQueue}`,
    ...o.extra,
  } as WorkflowInput<N>;
  return startWorkflow(env.client, procedure, { taskQueue, workflowId: uniqueId(procedure), input });
}
