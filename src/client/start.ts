// The one way anything starts a workflow (the CLI, the webhook, tests, benchmarks): by its
// registry name, with the input typed by the workflow function itself, as samples-typescript's
// hello-world client does (STYLE §13). A procedure, or a driver such as the health monitor,
// carries its search attributes from the start, so `runbook list` finds it even before its first
// workflow task.
import type { Client, WorkflowHandleWithFirstExecutionRunId, WorkflowStartOptions } from '@temporalio/client';
import { startDetails } from '../domain/start-details.js';
import { RunbookNode, RunbookProcedure } from '../temporal/search-attributes.js';
import { TASK_QUEUE } from '../temporal/settings.js';
import { isProcedureName, OTHER_WORKFLOWS, PROCEDURES, type OtherWorkflowSpec, type WorkflowInput, type WorkflowName, type Workflows } from '../../workflows/registry.js';

export interface StartOptions<N extends WorkflowName> {
  workflowId: string;
  input: WorkflowInput<N>;
  /** The worker's queue; tests give each file its own. */
  taskQueue?: string;
  /** The Web UI's summary line: what, where, and who asked. */
  summary?: string;
  /** The Web UI's details (markdown); default: what it is and who asked (input.requestedBy). */
  details?: string;
}

export function startWorkflow<N extends WorkflowName>(client: Client, name: N, o: StartOptions<N>): Promise<WorkflowHandleWithFirstExecutionRunId<Workflows[N]>> {
  const node = nodeOf(o.input);
  const options = {
    taskQueue: o.taskQueue ?? TASK_QUEUE,
    workflowId: o.workflowId,
    args: [o.input],
    ...(o.summary !== undefined && { staticSummary: o.summary }),
    staticDetails: o.details ?? defaultDetails(name, o.input, node),
    ...(isListed(name) && {
      typedSearchAttributes: [{ key: RunbookProcedure, value: name }, ...(node !== undefined ? [{ key: RunbookNode, value: node }] : [])],
    }),
  };
  // `input` is already checked against the workflow's own parameter; TypeScript cannot see that
  // `[input]` is its argument list while N is still generic.
  return client.workflow.start<Workflows[N]>(name, options as unknown as WorkflowStartOptions<Workflows[N]>);
}

/** Procedures and drivers are what an operator looks for; internal plumbing (the semaphore) is not. */
function isListed(name: WorkflowName): boolean {
  return isProcedureName(name) || (OTHER_WORKFLOWS as Record<string, OtherWorkflowSpec>)[name]?.kind === 'driver';
}

function nodeOf(input: unknown): string | undefined {
  const node = typeof input === 'object' && input !== null ? (input as { node?: unknown }).node : undefined;
  return typeof node === 'string' ? node : undefined;
}

function defaultDetails(name: WorkflowName, input: unknown, node: string | undefined): string {
  const by = typeof input === 'object' && input !== null ? (input as { requestedBy?: unknown }).requestedBy : undefined;
  const section = isProcedureName(name) ? PROCEDURES[name].section : (OTHER_WORKFLOWS[name] as { section?: string }).section;
  return startDetails({
    workflow: name,
    ...(node !== undefined && { node }),
    ...(section !== undefined && { section }),
    ...(typeof by === 'string' && { requestedBy: by }),
  });
}
