// One owner per node (DESIGN §11): which procedures, from any starter (CLI, incident, monitor),
// are open on a node now. One visibility query on the node's search attribute through the
// worker's own Temporal client, so a caller asks before it starts a second one.
import { Context } from '@temporalio/activity';
import type { ClusterSpec } from '../src/domain/cluster-spec.js';
import { RunbookNode, RunbookProcedure } from '../src/temporal/search-attributes.js';
import { findHost, readCluster } from './transport/node-lookup.js';

export interface NodeOwner {
  workflowId: string;
  procedure: string;
}

/** More would say nothing new: one open procedure is enough to hold a node. */
const LISTED = 5;

/** Visibility queries quote values in double quotes; a name with one in it must not end the literal. */
const quoted = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export async function openProceduresOnNode(cluster: () => ClusterSpec, input: { node: string }): Promise<NodeOwner[]> {
  // Only configured nodes: the name reaches a query, and an unknown one is a caller's bug.
  findHost(readCluster(cluster), input.node);
  const ctx = Context.current();
  const self = ctx.info.workflowExecution?.workflowId;
  const owners: NodeOwner[] = [];
  const query = `${RunbookNode.name} = ${quoted(input.node)} AND ExecutionStatus = "Running"`;
  for await (const wf of ctx.client.workflow.list({ query, pageSize: LISTED + 1 })) {
    if (wf.workflowId === self) continue;
    owners.push({ workflowId: wf.workflowId, procedure: wf.typedSearchAttributes.get(RunbookProcedure) ?? wf.type });
    if (owners.length >= LISTED) break;
  }
  return owners;
}
