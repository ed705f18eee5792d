// What `runbook run` and `runbook diagnose` do: start a procedure, print its ID and Web UI link,
// optionally wait for the result (exit 1 when it failed or escalated). Loaded only when one of
// them runs, so the Temporal client stays out of `runbook --help` (DESIGN §10: fast CLI start).
import { loadCluster } from '../../config/loader.js';
import { connectClient } from '../../client/connect.js';
import { buildInput, newWorkflowId } from '../../client/procedures.js';
import { startWorkflow } from '../../client/start.js';
import { workflowUrl } from '../../temporal/settings.js';
import { isProcedureName, PROCEDURE_NAMES, PROCEDURES } from '../../../workflows/registry.js';
import { hostsFileFor, policyFor } from '../context.js';
import { UsageError } from '../errors.js';
import { followToOutcome } from '../live/follow.js';
import { cliRequester } from '../requester.js';

export interface RunFlags {
  node?: string;
  dryRun?: boolean;
  autoApprove?: boolean;
  wait?: boolean;
  json?: boolean;
  config?: string;
  policy?: string;
  /** `runbook diagnose --json` prints the bare report (DESIGN §6), not the run wrapper. */
  bareJson?: boolean;
  /** `--by <who>`: recorded as requestedBy instead of the OS user. */
  by?: string;
}

export async function startProcedure(procedure: string, flags: RunFlags): Promise<void> {
  if (!isProcedureName(procedure)) {
    throw new UsageError(`unknown procedure "${procedure}"; one of: ${PROCEDURE_NAMES.join(', ')}`);
  }
  if (PROCEDURES[procedure].needsNode && !flags.node) throw new UsageError(`${procedure} needs --node <name>`);
  if (flags.node !== undefined) {
    const file = hostsFileFor(flags.config);
    const cluster = loadCluster(file);
    if (!cluster.hosts.some((h) => h.name === flags.node)) {
      throw new UsageError(`node "${flags.node}" is not in ${file}`);
    }
  }
  const input = buildInput(await policyFor(flags.policy), {
    ...(flags.node !== undefined && { node: flags.node }),
    ...(flags.dryRun && { dryRun: true }),
    ...(flags.autoApprove && { autoApprove: true }),
    requestedBy: cliRequester(flags.by),
  });
  const { client, settings } = await connectClient();
  const workflowId = newWorkflowId(procedure, flags.node, Date.now());
  const handle = await startWorkflow(client, procedure, {
    workflowId,
    input,
    summary: `${procedure}${flags.node ? ` on ${flags.node}` : ''}${flags.dryRun ? ' (dry run)' : ''}, requested by ${input.requestedBy}`,
  });
  const url = workflowUrl(settings, workflowId, handle.firstExecutionRunId);
  if (!flags.json) {
    console.error(`started ${procedure}: ${workflowId}`);
    console.error(`  ${url}`);
  }
  if (!(flags.wait || procedure === 'diagnose')) {
    if (flags.json) console.log(JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, url, status: 'running' }));
    return;
  }
  // The steps as they happen (stderr), then the result as before (src/cli/live/).
  await followToOutcome(client, handle, {
    procedure,
    workflowId,
    runId: handle.firstExecutionRunId,
    url,
    ...(flags.json && { json: true }),
    ...(flags.bareJson && { bareJson: true }),
  });
}
