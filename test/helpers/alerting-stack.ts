// Real Prometheus + real Alertmanager (Debian packages) against a running simulator and a given
// webhook URL + token, with short scrape, evaluation and group intervals; stopped cleanly by
// stop(). The config is exactly what `runbook config prometheus --out` writes, time-scaled.
import { loadCluster } from '../../src/config/loader.js';
import { findAlertingBinary } from '../../src/alerting/processes.js';
import { type AlertingStack, startAlertingStack } from '../../src/alerting/stack.js';
import { type AlertingTiming, PRODUCTION_TIMING, scaleTiming } from '../../src/alerting/timing.js';
import { CLUSTER_JOB } from '../../src/alerting/rules.js';
import { waitFor } from './wait.js';

/** Production durations × 0.02 (scrape and evaluate every 0.6 s, `for:` 1.2–6 s, groups 6 s),
 *  with a scrape timeout long enough that a busy machine does not read as a dead node. */
export const TEST_ALERTING_TIMING: AlertingTiming = { ...scaleTiming(PRODUCTION_TIMING, 0.02), scrapeTimeoutMs: 550 };

export const alertingBinariesInstalled = findAlertingBinary('prometheus') !== undefined && findAlertingBinary('alertmanager') !== undefined;

export interface TestAlertingStack extends AlertingStack {
  /** Instant query; returns the result vector. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** Waits until Prometheus has scraped every node of the cluster successfully. */
  waitForNodesUp(): Promise<void>;
}

export async function startTestAlertingStack(o: {
  hostsFile: string;
  webhookUrl: string;
  token: string;
  timing?: AlertingTiming;
}): Promise<TestAlertingStack> {
  const cluster = loadCluster(o.hostsFile);
  const stack = await startAlertingStack({ cluster, webhookUrl: o.webhookUrl, token: o.token, timing: o.timing ?? TEST_ALERTING_TIMING });
  const query = async (expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
    const r = await fetch(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5000) });
    const body = (await r.json()) as { status: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? r.status}`);
    return body.data!.result;
  };
  return {
    ...stack,
    query,
    waitForNodesUp: async () => {
      await waitFor(`Prometheus to scrape all ${cluster.hosts.length} nodes`, async () => {
        const up = await query(`up{job="${CLUSTER_JOB}"} == 1`);
        return up.length === cluster.hosts.length;
      }, { timeoutMs: 30_000, intervalMs: 200 });
    },
  };
}
