// `runbook postmortem` end to end: an Alertmanager notification posted to the real webhook opens
// an incident on a real dev server; a person approves its restart-p2p child; the cluster heals;
// Alertmanager resolves. Then, with no worker left running, the CLI (a child process) writes the
// draft from the histories alone: it names the child procedure, the node, the commands and the
// approver, its key times add up, --json and --out carry the same content, nothing secret is
// printed, and an unknown workflow is exit 2 with a clear error.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/loader.js';
import type { Postmortem } from '../../src/postmortem/index.js';
import { startWebhookServer } from '../../src/webhook/server.js';
import { approveSignal } from '../../workflows/messages.js';
import { runCli } from '../helpers/cli.js';
import { ADMIN_KEY, testPolicy } from '../helpers/cluster.js';
import { useClusterHarness } from '../helpers/harness.js';
import { subnet } from '../helpers/subnets.js';
import { registerSecrets } from '../helpers/test-logs.js';
import { waitForApproval, waitForProgress } from '../helpers/wait.js';
import { alert, notification, post } from '../webhook/alerts.js';

const TOKEN = 'postmortem-e2e-token-3f9a51c2';
registerSecrets({ 'postmortem e2e webhook token': TOKEN });
const h = useClusterHarness({ name: 'postmortem', nodes: 5, voters: 3, subnet: subnet('cli/postmortem'), worker: false });

/** Runs one incident to its end with a worker, then stops the worker; returns the incident's ID. */
async function healedIncident(node: string): Promise<{ id: string; details: string }> {
  const policy = testPolicy();
  policy.approval = { ...policy.approval, modes: { low: 'require', high: 'require' } };
  const worker = await h.createWorker({ taskQueue: h.taskQueue });
  const hook = await startWebhookServer({
    client: h.env.client,
    taskQueue: h.taskQueue,
    cluster: () => loadCluster(h.sim.hostsFile),
    policy,
    token: TOKEN,
    uiUrl: 'http://ui.test',
    inputExtras: { slotsWorkflowId: `slots-${h.taskQueue}`, verifyTimeoutMs: 20_000, resolveWaitMs: 60_000 },
  });
  try {
    return await worker.runUntil(async () => {
      h.sim.fault(node, 'p2p-down');
      const startsAt = new Date(Date.now() - 60_000).toISOString();
      const fingerprint = 'feedc0ffee123456';
      const fired = await post(hook.url, notification([alert({ alertname: 'ClusterConnectivityDegraded', startsAt, fingerprint })]), TOKEN);
      const id = fired.body.accepted![0]!.workflowId!;
      const incident = h.env.client.workflow.getHandle(id);
      // The incident names its child (run-scoped IDs for the cluster incident): read it from progress.
      const started = await waitForProgress(incident, 'the incident to start restart-p2p', (p) => p.children?.some((c) => c.procedure === 'restart-p2p' && c.node === node) === true, { timeoutMs: 90_000 });
      const child = h.env.client.workflow.getHandle(started.children!.find((c) => c.procedure === 'restart-p2p')!.workflowId);
      await waitForApproval(child, 'approve restart p2p', { timeoutMs: 90_000 });
      await child.signal(approveSignal, { step: 'approve restart p2p', by: 'carol', comment: 'INC-42: go' });
      await waitForProgress(incident, 'the incident to wait for resolved', (p) => p.steps.some((s) => s.name === 'wait for resolved' && s.state === 'running'), { timeoutMs: 90_000 });
      const resolved = notification([alert({ alertname: 'ClusterConnectivityDegraded', startsAt, fingerprint, status: 'resolved' })], 'resolved');
      expect((await post(hook.url, resolved, TOKEN)).body.accepted![0]!.action).toBe('signalled');
      const result = (await incident.result()) as { status: string };
      expect(result.status).toBe('completed');
      // The Web UI's current details of the closed incident offer the command.
      const meta = await incident.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      return { id, details: meta.currentDetails ?? '' };
    });
  } finally {
    await hook.close();
  }
}

describe('runbook postmortem', () => {
  it('drafts a closed incident from its histories with no worker running', async () => {
    const node = h.sim.state().nodes.find((n) => n.role === 'worker')!.name;
    const { id, details } = await healedIncident(node);
    expect(details).toContain(`**Postmortem draft**: \`runbook postmortem ${id}\``);
    const cliEnv = { TEMPORAL_ADDRESS: h.env.address, RUNBOOK_CONFIG: h.sim.hostsFile };

    // No worker polls any more: everything below comes from the server's histories.
    const md = await runCli(['postmortem', id], cliEnv);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^# Postmortem draft: ClusterConnectivityDegraded on cluster, /);
    expect(md.stdout).toContain(`started restart-p2p on ${node} (round 1)`);
    expect(md.stdout).toContain(`p2p-down on ${node}`);
    expect(md.stdout).toMatch(new RegExp(`command, automation, restart-p2p on ${node} \\(round 1\\): .*\\\\\\[p2p-stop\\\\\\]: exit 0`));
    expect(md.stdout).toContain('\\[p2p-start\\]: exit 0');
    expect(md.stdout).toContain('carol approved "approve restart p2p": "INC-42: go"');
    expect(md.stdout).toContain('Alertmanager sent resolved');

    const json = await runCli(['postmortem', id, '--json'], cliEnv);
    expect(json.code, json.stderr).toBe(0);
    const pm = JSON.parse(json.stdout) as Postmortem;
    expect(pm).toMatchObject({ workflowId: id, kind: 'incident', outcome: 'resolved' });
    expect(pm.automation.runs.map((r) => r.procedure)).toEqual(['connectivity-incident', 'diagnose', 'restart-p2p', 'diagnose', 'diagnose']);
    expect(pm.people.decisions).toEqual([expect.objectContaining({ by: 'carol', approved: true, step: 'approve restart p2p', comment: 'INC-42: go' })]);
    expect(pm.impact.nodes).toEqual([expect.objectContaining({ node, stillSick: false, recoveries: 1 })]);
    const k = pm.keyTimes;
    expect(k.timeToDetectMs).toBeGreaterThanOrEqual(60_000);
    expect(k.timeToActMs).toBeGreaterThanOrEqual(k.timeToDetectMs!);
    expect(k.timeToResolveMs).toBeGreaterThanOrEqual(k.timeToActMs!);
    expect(k.waitingForHumansMs).toBeGreaterThan(0);

    // --out writes the very bytes stdout had: same histories, same draft, in another process too.
    const file = join(mkdtempSync(join(tmpdir(), 'postmortem-')), 'draft.md');
    const out = await runCli(['postmortem', id, '--out', file], cliEnv);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe(md.stdout);

    for (const text of [md.stdout, json.stdout, md.stderr]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(ADMIN_KEY);
    }
  });

  it('an unknown workflow is a usage error (exit 2) naming it', async () => {
    const r = await runCli(['postmortem', 'no-such-incident-8c1e'], { TEMPORAL_ADDRESS: h.env.address });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('runbook: no workflow "no-such-incident-8c1e" in namespace default (runbook list shows the runs)');
  });
});
