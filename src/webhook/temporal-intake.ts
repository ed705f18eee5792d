// The webhook's only contact with Temporal (DESIGN §8): signal-with-start of the incident,
// the `resolved` signal, and the health check. Every failure to record an alert durably is an
// IntakeUnavailableError, which the HTTP layer answers 503 so Alertmanager retries.
import { randomUUID } from 'node:crypto';
import { type Client, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow/index.js';
import proto from '@temporalio/proto';
import type { AlertRef } from '../domain/incident.js';
import { startDetails } from '../domain/start-details.js';
import { RunbookNode, RunbookOutcome, RunbookProcedure } from '../temporal/search-attributes.js';
import { alertResolvedSignal, alertSignal } from '../../workflows/messages.js';

/** The incident's workflow type (DESIGN §4): every alert starts this one type. */
export const INCIDENT_WORKFLOW = 'connectivity-incident';

/** Thrown when Temporal did not record the alert (unreachable, timed out, refused). */
export class IntakeUnavailableError extends Error {
  override readonly name = 'IntakeUnavailableError';
}

export type FireOutcome = { action: 'started' | 'joined' } | { action: 'ignored'; reason: string };
export type ResolveOutcome = { action: 'signalled' } | { action: 'ignored'; reason: string };

export interface FireRequest {
  workflowId: string;
  input: Record<string, unknown>;
  alert: AlertRef;
  /** The Web UI's summary line of the incident. */
  summary: string;
  node?: string;
}

/** What the HTTP layer needs from Temporal; tests may hand it a fake. */
export interface IncidentIntake {
  fire(req: FireRequest): Promise<FireOutcome>;
  resolve(workflowId: string, alert: AlertRef): Promise<ResolveOutcome>;
  healthy(): Promise<boolean>;
}

const GRPC_ALREADY_EXISTS = 6;
/** Longest a POST waits on Temporal: Alertmanager's own timeout is 10 s by default. */
const CALL_DEADLINE_MS = 8_000;

export function temporalIntake(client: Client, taskQueue: string): IncidentIntake {
  const namespace = client.options.namespace;
  const withDeadline = <T>(fn: () => Promise<T>): Promise<T> => client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, fn);

  /** Why a second run of a finished incident is refused, from its search attributes. */
  const finishedReason = async (workflowId: string): Promise<string> => {
    try {
      const d = await withDeadline(() => client.workflow.getHandle(workflowId).describe());
      const outcome = d.typedSearchAttributes.get(RunbookOutcome);
      if (outcome === 'completed') return 'incident already resolved';
      if (outcome === 'escalated') return 'incident already escalated';
      return `incident already ended (${d.status.name.toLowerCase()})`;
    } catch {
      return 'incident already ended';
    }
  };

  return {
    async fire(req) {
      const converter = client.options.loadedDataConverter;
      // The raw call, because only its response says whether this request started the run
      // (`started`), which the 202 reports as started or joined.
      const request: proto.temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest = {
        namespace,
        identity: client.options.identity,
        requestId: randomUUID(),
        workflowId: req.workflowId,
        workflowType: { name: INCIDENT_WORKFLOW },
        taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        input: { payloads: await encodeToPayloads(converter, req.input) },
        signalName: alertSignal.name,
        signalInput: { payloads: await encodeToPayloads(converter, req.alert) },
        // A running incident is joined; a finished one is never run again (one occurrence, one
        // incident): the server refuses, and the alert is answered `ignored`.
        workflowIdConflictPolicy: proto.temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
        workflowIdReusePolicy: proto.temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
        searchAttributes: {
          indexedFields: encodeUnifiedSearchAttributes(undefined, [
            { key: RunbookProcedure, value: INCIDENT_WORKFLOW },
            ...(req.node !== undefined ? [{ key: RunbookNode, value: req.node }] : []),
          ]),
        },
        userMetadata: {
          summary: (await encodeToPayloads(converter, req.summary))?.[0] ?? null,
          // What started it (the alert, as requestedBy), in the Web UI's details (issue 15 item 2).
          details: (await encodeToPayloads(converter, incidentDetails(req)))?.[0] ?? null,
        },
      };
      try {
        const res = await withDeadline(() => client.workflowService.signalWithStartWorkflowExecution(request));
        return { action: res.started ? 'started' : 'joined' };
      } catch (err) {
        if (isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS) {
          return { action: 'ignored', reason: await finishedReason(req.workflowId) };
        }
        throw unavailable('start or signal the incident', err);
      }
    },

    async resolve(workflowId, alert) {
      try {
        await withDeadline(() => client.workflow.getHandle(workflowId).signal(alertResolvedSignal, alert));
        return { action: 'signalled' };
      } catch (err) {
        // Never started (we never saw it fire) or already finished: nothing to do, nothing started.
        if (err instanceof WorkflowNotFoundError) {
          const reason = await finishedReason(workflowId);
          return { action: 'ignored', reason: reason === 'incident already ended' ? 'no incident for this alert' : reason };
        }
        throw unavailable('signal the incident', err);
      }
    },

    async healthy() {
      try {
        await client.connection.withDeadline(Date.now() + 3_000, () => client.workflowService.getSystemInfo({}));
        return true;
      } catch {
        return false;
      }
    },
  };
}

function unavailable(what: string, err: unknown): IntakeUnavailableError {
  const detail = isGrpcServiceError(err) ? err.details || err.message : err instanceof Error ? err.message : String(err);
  return new IntakeUnavailableError(`Temporal could not ${what}: ${detail}`, { cause: err });
}

function incidentDetails(req: FireRequest): string {
  const by = req.input['requestedBy'];
  return startDetails({
    workflow: INCIDENT_WORKFLOW,
    ...(req.node !== undefined && { node: req.node }),
    section: '§7–§9',
    ...(typeof by === 'string' && { requestedBy: by }),
  });
}
