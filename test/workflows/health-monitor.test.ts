// health-monitor end to end: a real dev server, the simulator and a local PagerDuty receiver (both
// on subnets from test/helpers/subnets.ts). Nobody types: the monitor notices p2p-down and heals
// it through restart-p2p; it notices host-down and escalates without mutating anything, pages once, and
// resolves the page with the same dedup_key when the host is back.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNotifier } from '../../activities/notify/index.js';
import type { MonitorInput, MonitorProgress } from '../../src/domain/monitor.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { progressQuery, stopMonitorSignal } from '../../workflows/messages.js';
import * as monitorClient from '../../src/client/monitor.js';
import { startWorkflow } from '../../src/client/start.js';
import { MONITOR_WORKFLOW_ID } from '../../src/domain/monitor.js';
import { RunbookProcedure } from '../../src/temporal/search-attributes.js';
import { testPolicy } from '../helpers/cluster.js';
import { useClusterHarness } from '../helpers/harness.js';
import type { Receiver } from '../helpers/receiver.js';
import { subnet } from '../helpers/subnets.js';
import { uniqueId } from '../helpers/temporal-env.js';
import { pagerdutyEvent, pagerdutyResolve, pagerdutyTrigger } from '../helpers/vendor-schemas.js';
import { waitFor } from '../helpers/wait.js';
import { startProcedure } from '../helpers/procedures.js';

const ROUTING_KEY = 'monitor-test-routing-key-0123456789';
const harness = useClusterHarness({
  name: 'monitor',
  nodes: 6,
  subnet: subnet('workflows/health-monitor'),
  voters: 3,
  receiver: { host: `127.${subnet('workflows/health-monitor#receiver')}.0.1`, path: '/v2/enqueue' },
  // Pages go to the receiver, standing in for PagerDuty.
  worker: ({ receiver }) => {
    const targets = [{ kind: 'pagerduty' as const, name: 'oncall', routingKeyEnv: 'PD_KEY', url: receiver.url }];
    return {
      policy: { ...testPolicy(), notifications: targets },
      wrap: (real) => ({
        ...real,
        notify: createNotifier({ targets, env: { PD_KEY: ROUTING_KEY }, sendPolicy: { attempts: 3, backoffMs: 100, maxBackoffMs: 400, timeoutMs: 2000 } }),
      }),
    };
  },
});
const taskQueue = harness.taskQueue;
let env: TestWorkflowEnvironment;
let sim: SimulatorHandle;
let pd: Receiver;
beforeAll(() => {
  ({ env, sim, receiver: pd } = harness);
});

const input = (extra: Partial<MonitorInput> = {}): MonitorInput => ({
  heartbeatIntervalMs: 1000,
  failureThreshold: 3,
  recoveryBackoffMs: 2000,
  maxRecoveryAttempts: 2,
  // The policy of a team that lets the monitor act alone (config/runbook.yaml approval.modes).
  approval: { timeoutMs: 60_000, modes: { low: 'auto', high: 'auto' } },
  childInput: { verifyTimeoutMs: 20_000, stageVerifyMs: 2000, slotsWorkflowId: `slots-${taskQueue}` },
  ...extra,
});

async function startMonitor(extra: Partial<MonitorInput> = {}) {
  return startWorkflow(env.client, 'health-monitor', { taskQueue, workflowId: uniqueId('health-monitor'), input: input(extra) });
}

const workerNode = (i: number): string => sim.state().nodes.filter((n) => n.role === 'worker')[i]!.name;

describe('health-monitor against the simulator', () => {
  it('`runbook monitor` starts one monitor under the fixed ID, listed by its search attribute (src/client/monitor.ts)', async () => {
    const policy = testPolicy();
    expect(await monitorClient.startMonitor(env.client, policy, taskQueue)).toMatchObject({ started: true });
    // Never a second one: the running monitor is found, not joined or restarted.
    expect(await monitorClient.startMonitor(env.client, policy, taskQueue)).toEqual({ started: false });
    const h = env.client.workflow.getHandle(MONITOR_WORKFLOW_ID);
    const d = await h.describe();
    // What `runbook list` filters on, and the Web UI's summary line.
    expect(d.typedSearchAttributes.get(RunbookProcedure)).toBe('health-monitor');
    expect(await d.staticSummary()).toMatch(/^health monitor \(§5\.2–5\.3\)/);
    await monitorClient.stopMonitor(env.client);
    expect((await h.result()).status).toBe('completed');
  });

  it('notices p2p-down and heals the node through restart-p2p, with nobody typing', async () => {
    const node = workerNode(0);
    const h = await startMonitor();
    await waitFor('the first heartbeat', async () => (await h.query(progressQuery) as MonitorProgress).monitor.cycles >= 1, { timeoutMs: 30_000 });
    sim.fault(node, 'p2p-down');
    await waitFor(`${node} healed by the monitor`, () => sim.state().nodes.find((n) => n.name === node)!.faults.length === 0, { timeoutMs: 90_000 });
    const p = await waitFor('the monitor to see every node again', async () => {
      const q = (await h.query(progressQuery)) as MonitorProgress;
      return q.monitor.nodes.length === 0 && q.monitor.answered === 6 ? q : undefined;
    }, { timeoutMs: 30_000 });
    expect(p.monitor.leader).not.toBeNull();
    // restart-p2p did it (least invasive first, over SSH), under the monitor's fixed child ID.
    const child = await env.client.workflow.getHandle(`${h.workflowId}-restart-p2p-${node}`).result();
    expect(child).toMatchObject({ procedure: 'restart-p2p', node, status: 'completed' });
    expect(sim.state().mutations.some((m) => m.node === node && m.source === 'ssh' && m.command.includes('p2p_daemon'))).toBe(true);
    expect(pd.received).toEqual([]);
    await h.signal(stopMonitorSignal);
    expect((await h.result()).status).toBe('completed');
  });

  it('notices host-down, escalates once without mutating anything, and resolves with the same dedup_key when it is back', async () => {
    const node = workerNode(1);
    // The fault itself is logged as a `control` mutation; the monitor must add none of its own.
    const changes = (): number => sim.state().mutations.filter((m) => m.source !== 'control').length;
    const before = changes();
    const h = await startMonitor({ maxRecoveryAttempts: 1 });
    sim.fault(node, 'host-down');
    const page = await waitFor('a PagerDuty trigger', () => pd.received.find((r) => (r.json as { event_action?: string }).event_action === 'trigger'), { timeoutMs: 90_000 });
    const trigger = pagerdutyTrigger.parse(page.json);
    expect(trigger.payload.source).toBe(node);
    expect(trigger.payload.summary).toMatch(/host-down/);
    const details = trigger.payload.custom_details as { reasons: string[]; routing?: unknown[] };
    expect(details.reasons.join(' ')).toMatch(new RegExp(`${node}.*no address|host down`, 'i'));
    expect(changes()).toBe(before);

    sim.fault(node, 'host-down', { clear: true });
    const resolved = await waitFor('a PagerDuty resolve', () => pd.received.find((r) => (r.json as { event_action?: string }).event_action === 'resolve'), { timeoutMs: 60_000 });
    expect(pagerdutyResolve.parse(resolved.json).dedup_key).toBe(trigger.dedup_key);
    await h.signal(stopMonitorSignal);
    await h.result();
    // One page per incident: one trigger, one resolve, every body in PagerDuty's format.
    expect(pd.received.map((r) => pagerdutyEvent.parse(r.json).event_action)).toEqual(['trigger', 'resolve']);
    expect(changes()).toBe(before);
    const progress = (await h.query(progressQuery)) as MonitorProgress;
    expect(progress.monitor.notifications.map((n) => n.sent)).toEqual(['trigger pagerduty:oncall ok', 'resolve pagerduty:oncall ok']);
  });

  it('a procedure that ends escalated notifies once, keyed by its workflow ID, with the complete §6.2 bundle; a dry run pages nobody', async () => {
    const node = workerNode(2);
    sim.fault(node, 'host-down');
    const dry = await (await startProcedure(env, taskQueue, 'recover-node', { node, dryRun: true })).result();
    expect(dry.status).toBe('escalated');
    expect(pd.received).toEqual([]);

    const h = await startProcedure(env, taskQueue, 'recover-node', { node });
    const r = await h.result();
    expect(r.status).toBe('escalated');
    expect(pd.received).toHaveLength(1);
    const page = pagerdutyTrigger.parse(pd.received[0]!.json);
    expect(page.dedup_key).toBe(h.workflowId);
    expect(page.payload.source).toBe(node);
    const details = page.payload.custom_details as { tailscaleFromNodes?: Array<{ node: string; output?: string }>; configChanges?: unknown[]; routing?: unknown[] };
    // §6.2 item 1 from several healthy nodes over SSH, item 3 for the failing node, item 4 (none yet).
    expect(details.tailscaleFromNodes?.length).toBeGreaterThanOrEqual(2);
    expect(details.tailscaleFromNodes?.every((t) => t.node !== node && (t.output ?? '').length > 0)).toBe(true);
    expect(details.routing).toHaveLength(1);
    expect(details.configChanges).toEqual([]);
    expect(pd.received[0]!.body.length).toBeLessThanOrEqual(20 * 1024);
    // What was sent, and to whom, is in the run's progress.
    const notifyStep = (await h.query(progressQuery)).steps.find((s) => s.name === 'notify');
    expect(notifyStep).toMatchObject({ state: 'done', detail: 'trigger pagerduty:oncall ok' });
  });
});
