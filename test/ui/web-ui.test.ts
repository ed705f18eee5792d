// What an operator sees in the real Temporal Web UI, in real Chromium: the procedure waiting
// for approval, its current details with the exact approve command, the awaiting-approval
// filter; then the approval from the CLI, the completed run, and its event history's activity
// summaries (§, step, node).
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { TASK_QUEUE } from '../../src/temporal/settings.js';
import { progressQuery } from '../../workflows/messages.js';
import { runCli } from '../helpers/cli.js';
import { useClusterHarness } from '../helpers/harness.js';
import { startProcedure } from '../helpers/procedures.js';
import { subnet } from '../helpers/subnets.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// CI installs Chromium (.ci/run); a developer machine without it skips, loudly.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env['CI']) throw new Error(`Chromium not found at ${CHROMIUM}; .ci/run installs it`);
if (!haveChromium) console.warn(`skipping Web UI tests: no Chromium at ${CHROMIUM}`);

let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let browser: Browser;

/** The UI renders current details (markdown) inside a sandboxed frame: read every frame. */
async function currentDetails(page: Page, want: RegExp): Promise<string> {
  let text = '';
  for (let i = 0; i < 150; i++) {
    const frames = await Promise.all(page.frames().map((f) => f.innerText('body').catch(() => '')));
    text = frames.find((t) => want.test(t)) ?? '';
    if (text) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`current details never showed ${want}`);
}

describe.skipIf(!haveChromium)('Temporal Web UI', () => {
  // Inside the describe: without Chromium, no servers start either. The CLI approves on its
  // default queue, so the worker listens there.
  const harness = useClusterHarness({ name: 'web-ui', nodes: 5, subnet: subnet('ui/web-ui'), voters: 3, ui: true, taskQueue: TASK_QUEUE });
  beforeAll(async () => {
    ({ env, sim } = harness);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the waiting step with its approve command, lists it under the filter, and the completed run', async () => {
    const node = sim.state().nodes.find((n) => n.role === 'worker')!.name;
    sim.fault(node, 'tailscale-down');
    const h = await startProcedure(env, TASK_QUEUE, 'fix-tailscale', { node });
    await expect.poll(async () => (await h.query(progressQuery)).status, { timeout: 30_000 }).toBe('awaiting-approval');

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const ui = `${harness.uiUrl}/namespaces/default/workflows`;
    await page.goto(`${ui}/${h.workflowId}`);
    await page.getByText('User Metadata').click();
    const main = await currentDetails(page, /Waiting for approval/);
    expect(main).toContain(`fix-tailscale on ${node}: awaiting-approval`);
    expect(main).toContain(`runbook approve ${h.workflowId} --step 'approve restart tailscale' --by YOUR_NAME`);
    expect(main).toMatch(/WAITING\s+approve restart tailscale/);

    await page.goto(`${ui}?query=${encodeURIComponent('RunbookAwaitingApproval = true')}`);
    await page.getByText(h.workflowId).first().waitFor({ timeout: 30_000 });

    const approved = await runCli(['approve', h.workflowId, '--step', 'approve restart tailscale', '--by', 'ui-test'], {
      TEMPORAL_ADDRESS: env.address,
      RUNBOOK_CONFIG: sim.hostsFile,
    });
    expect(approved.code, approved.stderr).toBe(0);
    expect((await h.result()).status).toBe('completed');

    await page.goto(`${ui}/${h.workflowId}`);
    await page.getByText('User Metadata').click();
    expect(await currentDetails(page, new RegExp(`fix-tailscale on ${node}: completed`))).toMatch(/approved by ui-test/);
    // The event history tells the story without opening payloads: each activity's summary
    // names the runbook section, the step and the node, so an operator need not decode payloads.
    await page.getByText('Event History').first().click();
    await page.getByText(`§4.2 restart tailscale on ${node}`).first().waitFor({ timeout: 30_000 });
    // The list shows 100 events a page, newest first; the run's first steps are on the last page
    // once it is longer (the approval messages add a dozen events): oldest first instead.
    await page.getByText('Descending', { exact: true }).first().click();
    await page.getByText(`§3.2 check node on ${node}`).first().waitFor({ timeout: 30_000 });
    await page.close();
  });
});
