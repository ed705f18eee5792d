// The webhook's only contact with Temporal (DESIGN §8): signal-with-start of the incident,
// the `resolved` signal, and the health check. Every failure to record an alert durably is an
// IntakeUnavailableError, which the HTTP layer answers 503 so Alertmanager retries.
import { randomUUID } from 'node:crypto';
import { type Client, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow/index.js';
import proto from '@temporalio/proto';
import { type AlertRef, CLUSTER_INCIDENT_ID } from '../domain/incident.js';
import { startDetails } from '../domain/start-details.js';
import { RunbookNode, RunbookOutcome, RunbookProcedure } from '../temporal/search-attributes.js';
import { alertResolvedSignal, alertSignal } from '../../workflows/messages.js';
import type { ClusterIncidentRole } from './route-alert.js';

/** The incident's workflow type (DESIGN §4): every alert starts this one type. */
export const INCIDENT_WORKFLOW = 'connectivity-incident';

/** Thrown when Temporal did not record the alert (unreachable, timed out, refused). */
export class IntakeUnavailableError extends Error {
  override readonly name = 'IntakeUnavailableError';
}

/** `workflowId`: the incident that recorded the alert when it is not the occurrence's own. */
export type FireOutcome = { action: 'started' | 'joined'; workflowId?: string; reason?: string } | { action: 'ignored'; reason: string; workflowId?: string };
export type ResolveOutcome = { action: 'signalled'; workflowId?: string } | { action: 'ignored'; reason: string; workflowId?: string };

export interface FireRequest {
  /** The occurrence's own incident ID (procedure, target, startsAt). */
  workflowId: string;
  input: Record<string, unknown>;
  alert: AlertRef;
  /** The Web UI's summary line of the incident. */
  summary: string;
  node?: string;
  /** Its relation to the open cluster incident (route-alert.ts); absent: its own incident only. */
  clusterIncident?: ClusterIncidentRole;
}

/** What the HTTP layer needs from Temporal; tests may hand it a fake. */
export interface IncidentIntake {
  fire(req: FireRequest): Promise<FireOutcome>;
  resolve(workflowId: string, alert: AlertRef, clusterIncident?: ClusterIncidentRole): Promise<ResolveOutcome>;
  healthy(): Promise<boolean>;
}

const GRPC_ALREADY_EXISTS = 6;
const { WorkflowIdReusePolicy } = proto.temporal.api.enums.v1;
type ReusePolicy = proto.temporal.api.enums.v1.WorkflowIdReusePolicy;
/** Longest a POST waits on Temporal: Alertmanager's own timeout is 10 s by default. */
const CALL_DEADLINE_MS = 8_000;

export function temporalIntake(client: Client, taskQueue: string): IncidentIntake {
  const namespace = client.options.namespace;
  const withDeadline = <T>(fn: () => Promise<T>): Promise<T> => client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, fn);

  /** How the last run of `workflowId` ended: its RunbookOutcome (`completed`, `escalated`, …). */
  const lastOutcome = async (workflowId: string): Promise<{ outcome?: string; reason: string }> => {
    try {
      const d = await withDeadline(() => client.workflow.getHandle(workflowId).describe());
      // A concurrent repeat may have started a new run between our start attempt and this look.
      if (d.status.name === 'RUNNING') return { outcome: 'running', reason: 'a new run of the incident is looking again' };
      const outcome = d.typedSearchAttributes.get(RunbookOutcome);
      if (outcome === 'completed') return { outcome, reason: 'incident already resolved' };
      if (outcome === 'escalated') return { outcome, reason: 'incident already escalated' };
      return { reason: `incident already ended (${d.status.name.toLowerCase()})` };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { reason: 'no incident for this alert' };
      return { reason: 'incident already ended' };
    }
  };

  /** Signals the running incident `workflowId`; false when none runs under that ID. */
  const signalRunning = async (workflowId: string, resolved: boolean, alert: AlertRef): Promise<boolean> => {
    try {
      const handle = client.workflow.getHandle(workflowId);
      await withDeadline(() => (resolved ? handle.signal(alertResolvedSignal, alert) : handle.signal(alertSignal, alert)));
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      // The same words whether this was a firing (part of its start or signal) or a resolved.
      throw unavailable(resolved ? 'signal the incident' : 'start or signal the incident', err);
    }
  };

  /**
   * Signal-with-start: joins the running incident `workflowId` (conflict policy *use existing*),
   * else starts one if `reuse` allows after the closed runs; `exists` when it does not. The
   * server decides atomically, so concurrent posts (and webhooks) start one run.
   */
  const signalWithStart = async (
    req: FireRequest,
    workflowId: string,
    reuse: ReusePolicy,
    o: { summary?: string; followUp?: boolean } = {},
  ): Promise<'started' | 'joined' | 'exists'> => {
    const converter = client.options.loadedDataConverter;
    const summary = o.summary ?? req.summary;
    // A run under an ID that had runs before (the cluster incident, a follow-up) names its
    // children after its run, so they never share an ID with an earlier run's children.
    const input = reuse === WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE ? { ...req.input, runScopedChildIds: true, ...(o.followUp && { followUp: true }) } : req.input;
    // The raw call, because only its response says whether this request started the run
    // (`started`), which the 202 reports as started or joined.
    const request: proto.temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest = {
      namespace,
      identity: client.options.identity,
      requestId: randomUUID(),
      workflowId,
      workflowType: { name: INCIDENT_WORKFLOW },
      taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      input: { payloads: await encodeToPayloads(converter, input) },
      signalName: alertSignal.name,
      signalInput: { payloads: await encodeToPayloads(converter, req.alert) },
      workflowIdConflictPolicy: proto.temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
      workflowIdReusePolicy: reuse,
      searchAttributes: {
        indexedFields: encodeUnifiedSearchAttributes(undefined, [
          { key: RunbookProcedure, value: INCIDENT_WORKFLOW },
          ...(req.node !== undefined && workflowId !== CLUSTER_INCIDENT_ID ? [{ key: RunbookNode, value: req.node }] : []),
        ]),
      },
      userMetadata: {
        summary: (await encodeToPayloads(converter, summary))?.[0] ?? null,
        // What started it (the alert, as requestedBy), in the Web UI's details, so the timeline says why it ran.
        details: (await encodeToPayloads(converter, incidentDetails(req)))?.[0] ?? null,
      },
    };
    try {
      const res = await withDeadline(() => client.workflowService.signalWithStartWorkflowExecution(request));
      return res.started ? 'started' : 'joined';
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS) return 'exists';
      throw unavailable('start or signal the incident', err);
    }
  };

  return {
    async fire(req) {
      const own = req.workflowId;
      if (req.clusterIncident !== undefined) {
        // An incident already running under the occurrence's own ID keeps its repeats: one
        // opened by a node alert before a cluster incident opened, or (for cluster alerts) one
        // started before the webhook knew the cluster incident (an upgrade mid-incident).
        if (await signalRunning(own, false, req.alert)) return { action: 'joined', workflowId: own };
      }
      if (req.clusterIncident === 'opens') {
        // One cluster problem, one incident: open it, or join the open one. *Allow duplicate*
        // lets a new run start once the last one closed, whatever its outcome: a cluster alert
        // that fires after an incident ended (a new node down, or the old problem still there
        // after a healthy end) gets a new look.
        const r = await signalWithStart(req, CLUSTER_INCIDENT_ID, WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, { summary: `cluster incident: ${req.summary}` });
        return r === 'started'
          ? { action: 'started', workflowId: CLUSTER_INCIDENT_ID, reason: 'no cluster incident was open: this alert opened it; further cluster alerts, and node alerts, join it while it runs' }
          : { action: 'joined', workflowId: CLUSTER_INCIDENT_ID };
      }
      if (req.clusterIncident === 'joins' && (await signalRunning(CLUSTER_INCIDENT_ID, false, req.alert))) {
        return { action: 'joined', workflowId: CLUSTER_INCIDENT_ID, reason: `the open cluster incident covers ${req.node ?? 'the node'}: it looks at it in its next round` };
      }
      const r = await signalWithStart(req, own, WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE);
      if (r !== 'exists') return { action: r, workflowId: own };
      // The occurrence's incident ended, yet the alert still fires. Escalated: a human was paged
      // and owns it; nothing runs twice. Resolved (healthy by our probes): never drop it, look
      // again in a new run of the incident. Concurrent repeats start one (use existing).
      const last = await lastOutcome(own);
      if (last.outcome !== 'completed' && last.outcome !== 'running') return { action: 'ignored', reason: last.reason, workflowId: own };
      // It looks first: the routed procedure (e.g. recover-node) runs again only if diagnose says so.
      const again = await signalWithStart(req, own, WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, { summary: `follow-up: ${req.summary}`, followUp: true });
      return {
        action: again === 'started' ? 'started' : 'joined',
        workflowId: own,
        reason: 'the incident ended healthy but the alert still fires: a new run of it looks again',
      };
    },

    async resolve(workflowId, alert, clusterIncident) {
      if (await signalRunning(workflowId, true, alert)) return { action: 'signalled', workflowId };
      // It may have joined the cluster incident (which ignores an occurrence it does not hold).
      if (clusterIncident !== undefined && (await signalRunning(CLUSTER_INCIDENT_ID, true, alert))) {
        return { action: 'signalled', workflowId: CLUSTER_INCIDENT_ID };
      }
      // Never started (we never saw it fire) or already finished: nothing to do, nothing started.
      return { action: 'ignored', reason: (await lastOutcome(workflowId)).reason, workflowId };
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
