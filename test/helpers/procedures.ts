// Starting procedures the way the CLI does, for tests.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { ProcedureResult } from '../../src/domain/procedure-input.js';
import { uniqueId } from './temporal-env.js';

export interface StartOptions {
  node?: string;
  dryRun?: boolean;
  autoApprove?: boolean;
  approvalTimeoutMs?: number;
  extra?: Record<string, unknown>;
}

export function startProcedure(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  procedure: string,
  o: StartOptions = {},
): Promise<WorkflowHandle<(input: unknown) => Promise<ProcedureResult>>> {
  return env.client.workflow.start<(input: unknown) => Promise<ProcedureResult>>(procedure, {
    taskQueue,
    workflowId: uniqueId(procedure),
    args: [
      {
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
      },
    ],
  });
}
