// One cell of bench/recovery: a fault kind on N nodes at once, its alert(s) posted to the webhook
// as Alertmanager would, then the time from the post to each node verified healthy and to all.
//
// "Verified healthy" is the incident's own verdict: a node is healthy when the child that fixed
// it (restart-p2p, fix-tailscale, recover-node, …) completed, which it does only after its own
// verification; the incident is done when its re-diagnose finds nothing and it starts waiting
// for Alertmanager's `resolved` (docs/reference/alert-routing.md). NodeEvicted incidents are one per node, so
// there the node's time is its incident's. Read from the `progress` query, polled every second.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { alertmanagerNotification } from '../../src/alerting/notification.js';
import type { Progress } from '../../src/domain/progress.js';
import { progressQuery } from '../../workflows/messages.js';
import { spread } from './even-spread.js';
import type { RecoveryFault } from './recovery-faults.js';
import { type Sim, setFault, simState } from './simulator.js';

export interface CellResult {
  fault: string;
  n: number;
  /** Seconds from the post to the last incident verified healthy; undefined when it never was. */
  allSeconds?: number;
  /** Seconds from the post to each failing node (or the cluster) verified healthy. */
  perNodeSeconds: number[];
  /** Why the cell did not end healthy (escalated, timed out, fault still set), if it did not. */
  problem?: string;
}

const POLL_MS = 1000;

function alertBody(alertname: string, status: 'firing' | 'resolved', startsAt: string, nodes: Array<string | undefined>, fingerprints: string[]): string {
  return alertmanagerNotification({
    alertname,
    status,
    receiver: 'runbook',
    site: 'bench',
    alerts: nodes.map((node, i) => ({
      labels: { alertname, severity: 'critical', ...(node !== undefined && { node }) },
      startsAt,
      fingerprint: fingerprints[i]!,
      summary: `${alertname} (bench)`,
    })),
  });
}

async function post(url: string, token: string, body: string): Promise<Array<{ action: string; workflowId?: string; reason?: string }>> {
  const res = await fetch(`${url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  const parsed = (await res.json()) as { accepted?: Array<{ action: string; workflowId?: string; reason?: string }>; error?: string };
  if (res.status !== 202 || !parsed.accepted) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(parsed).slice(0, 300)}`);
  return parsed.accepted;
}

const waitingForResolved = (p: Progress): boolean => p.steps.some((s) => s.name === 'wait for resolved' && s.state === 'running');

export async function runCell(o: { client: Client; sim: Sim; webhookUrl: string; token: string; fault: RecoveryFault; n: number; timeoutS: number }): Promise<CellResult> {
  const { fault, n } = o;
  const state = await simState(o.sim);
  const targets = fault.scope === 'cluster' ? ['cluster'] : spread(state.nodes.filter((x) => x.role !== 'voter').map((x) => x.name), n);
  for (const t of targets) await setFault(o.sim, t, fault.kind);
  // A fresh startsAt per cell: a new occurrence, so a new incident (DESIGN §8).
  const startsAt = new Date().toISOString();
  const alertNodes = fault.perNode ? targets : [undefined];
  const fingerprints = alertNodes.map(() => randomBytes(8).toString('hex'));
  const t0 = performance.now();
  const accepted = await post(o.webhookUrl, o.token, alertBody(fault.alertname, 'firing', startsAt, alertNodes, fingerprints));
  const notStarted = accepted.filter((a) => a.action !== 'started');
  if (notStarted.length > 0) throw new Error(`alert not started: ${JSON.stringify(notStarted[0])}`);
  const incidents = accepted.map((a, i) => ({ id: a.workflowId!, node: alertNodes[i] }));

  const nodeDone = new Map<string, number>();
  const incidentDone = new Map<string, number>();
  let problem: string | undefined;
  const deadline = t0 + o.timeoutS * 1000;
  let lastNote = t0;
  let lastSeen = '';
  while (incidentDone.size < incidents.length && problem === undefined) {
    if (performance.now() > deadline) {
      problem = `timed out after ${o.timeoutS} s (${incidentDone.size}/${incidents.length} incidents healthy; last seen: ${lastSeen.slice(0, 300)})`;
      break;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    const now = (performance.now() - t0) / 1000;
    // A line every 30 s, so a slow cell shows where it is.
    if (performance.now() - lastNote > 30_000) {
      lastNote = performance.now();
      console.log(`  … ${now.toFixed(0)} s: ${nodeDone.size}/${targets.length} node(s) healthy; last seen: ${lastSeen.slice(0, 400)}`);
    }
    for (const inc of incidents.filter((x) => !incidentDone.has(x.id))) {
      let p: Progress;
      try {
        p = await o.client.workflow.getHandle(inc.id).query(progressQuery);
      } catch (err) {
        lastSeen = `query failed: ${(err as Error).message}`;
        continue; // a busy worker: ask again next round
      }
      lastSeen = `${p.status}; step ${p.steps.filter((x) => x.state === 'running').map((x) => x.name).join(', ') || '—'}; children ${(p.children ?? []).map((c) => `${c.procedure}${c.node ? `@${c.node}` : ''}:${c.status}`).join(' ')}`;
      for (const c of p.children ?? []) if (c.node !== undefined && c.procedure !== 'diagnose' && c.status === 'completed' && !nodeDone.has(c.node)) nodeDone.set(c.node, now);
      if (waitingForResolved(p)) {
        incidentDone.set(inc.id, now);
        if (inc.node !== undefined) nodeDone.set(inc.node, now);
      } else if (p.status === 'escalated' || p.status === 'failed' || p.status === 'completed') {
        // The incident's own reason, so the table says why (e.g. a child's escalation).
        const result = (await o.client.workflow.getHandle(inc.id).result().catch(() => undefined)) as { escalation?: { reasons?: string[] }; summary?: string } | undefined;
        problem = `incident ${inc.id} ended ${p.status} before verifying healthy: ${(result?.escalation?.reasons?.[0] ?? result?.summary ?? '?').slice(0, 300)}`;
      }
    }
  }
  const all = incidentDone.size === incidents.length ? Math.max(...incidentDone.values()) : undefined;
  // Cluster faults and nodes the incident verified without a child of their own count at the end.
  const perNodeSeconds = targets.map((t) => nodeDone.get(t) ?? all).filter((x): x is number => x !== undefined);

  // The simulator's own word: no injected fault left.
  const after = await simState(o.sim);
  const left = fault.scope === 'cluster' ? (after.cluster_faults.includes(fault.kind) ? ['cluster'] : []) : after.nodes.filter((x) => targets.includes(x.name) && x.faults.includes(fault.kind)).map((x) => x.name);
  if (problem === undefined && left.length > 0) problem = `fault still set on ${left.length} target(s) (e.g. ${left[0]})`;

  // Leave the cluster healthy and quiet for the next cell: resolve the incidents (they verify and
  // end), terminate what is still running, clear what is left.
  await post(o.webhookUrl, o.token, alertBody(fault.alertname, 'resolved', startsAt, alertNodes, fingerprints)).catch(() => undefined);
  await Promise.all(incidents.map((i) => o.client.workflow.getHandle(i.id).terminate('bench cell over').catch(() => undefined)));
  for (const t of left) await setFault(o.sim, t, fault.kind, true);
  return { fault: fault.kind, n, ...(all !== undefined && { allSeconds: all }), perNodeSeconds, ...(problem !== undefined && { problem }) };
}
