// `runbook run` lists and starts procedures from the registry alone, so adding a procedure never
// means editing the CLI (docs/how-to/add-a-procedure.md): every entry of workflows/registry.ts
// shows in `run --help` and in the unknown-procedure message, and each starts as the workflow of
// that name through startWorkflow (search attributes and the policy input recorded at start). No
// worker runs: the server records a start whatever the workflow would then do, so each run is
// terminated once seen.
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/loader.js';
import { RunbookNode, RunbookProcedure } from '../../src/temporal/search-attributes.js';
import { PROCEDURE_NAMES, PROCEDURES } from '../../workflows/registry.js';
import { runCli } from '../helpers/cli.js';
import { startDevEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait.js';

const HOSTS = 'config/distributed_hosts.yaml';
const node = loadCluster(HOSTS).hosts[0]!.name;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('runbook run, from the registry', () => {
  it('`run --help` lists every registry procedure with its section, risk and summary; an unknown name lists them all', async () => {
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    // Commander pads the columns and wraps long lines: compare with the whitespace collapsed.
    const text = help.stdout.replace(/\s+/g, ' ');
    for (const [name, spec] of Object.entries(PROCEDURES)) {
      expect(text).toContain(` ${name} ${spec.section} ${spec.risk} ${spec.summary}`);
    }
    const unknown = await runCli(['run', 'reboot-everything']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`one of: ${PROCEDURE_NAMES.join(', ')}`);
  });

  it.each(PROCEDURE_NAMES)('`runbook run %s` starts that workflow with its search attributes and policy input', async (name) => {
    const target = PROCEDURES[name].needsNode ? node : undefined;
    const cliEnv = { TEMPORAL_ADDRESS: env.address, RUNBOOK_CONFIG: HOSTS };
    const cli = runCli(['run', name, ...(target !== undefined ? ['--node', target] : []), '--dry-run', '--json'], cliEnv);
    const seen = await waitFor(`a ${name} workflow on the server`, async () => {
      for await (const wf of env.client.workflow.list({ query: `WorkflowType = '${name}'` })) return wf;
      return undefined;
    });
    const handle = env.client.workflow.getHandle(seen.workflowId);
    const desc = await handle.describe();
    expect(desc.type).toBe(name);
    expect(desc.typedSearchAttributes.get(RunbookProcedure)).toBe(name);
    expect(desc.typedSearchAttributes.get(RunbookNode)).toBe(target);
    const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = defaultPayloadConverter.fromPayload<Record<string, unknown>>(started!.input!.payloads![0]!);
    expect(input).toMatchObject({ dryRun: true, requestedBy: expect.stringMatching(/^cli:/), approval: expect.objectContaining({ timeoutMs: expect.any(Number) }) });
    expect(input['node']).toBe(target);
    await handle.terminate('test: the start is all this test looks at');
    const r = await cli;
    // diagnose waits for its report, which the termination ends; the others return once started.
    if (name === 'diagnose') expect(r.code, r.stderr).toBe(1);
    else {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ workflowId: seen.workflowId, status: 'running' });
    }
  });
});
