// A real Prometheus and Alertmanager wired to one cluster and one webhook: the files of
// `runbook config prometheus --out` in a directory of their own, the webhook token in a 0600
// file beside them (Alertmanager reads it at send time), both processes on loopback ports the OS
// hands out. `runbook dev --alerting` and test/helpers/alerting-stack.ts start it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterSpec } from '../domain/cluster-spec.js';
import { ALERTMANAGER_FILE, DEFAULT_TOKEN_FILE } from './alertmanager-config.js';
import { alertingConfigFiles, PROMETHEUS_FILE, writeConfigFiles } from './config-files.js';
import { parseWebhookBase } from './endpoints.js';
import { freeLoopbackPort, requireAlertingBinary, type RunningProcess, startReadyProcess } from './processes.js';
import { type AlertingTiming, promDuration } from './timing.js';

export interface AlertingStackOptions {
  cluster: ClusterSpec;
  /** The webhook's base URL; Alertmanager posts to `<url>/alerts/alertmanager`. */
  webhookUrl: string;
  /** The webhook's bearer token; written to a 0600 file, never into a config file. */
  token: string;
  timing: AlertingTiming;
  /** Config, token and data directory; default a fresh temp dir, removed on stop. */
  dir?: string;
  /** Worker metrics endpoints to scrape (default none). */
  workerTargets?: readonly string[];
  /** §6.1 threshold of ClusterHealthCritical (default 0.5). */
  unreachableFraction?: number;
}

export interface AlertingStack {
  prometheusUrl: string;
  alertmanagerUrl: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startAlertingStack(o: AlertingStackOptions): Promise<AlertingStack> {
  // Fail before writing anything when a binary is missing.
  const prometheusBin = requireAlertingBinary('prometheus');
  const alertmanagerBin = requireAlertingBinary('alertmanager');
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'runbook-alerting-'));
  mkdirSync(dir, { recursive: true });
  const running: RunningProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const p of running.splice(0).reverse()) await p.stop();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [promPort, amPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    writeFileSync(join(dir, DEFAULT_TOKEN_FILE), o.token, { mode: 0o600 });
    writeConfigFiles(
      dir,
      alertingConfigFiles(o.cluster, {
        timing: o.timing,
        workerTargets: o.workerTargets ?? [],
        webhookBase: parseWebhookBase(o.webhookUrl, 'webhook URL'),
        alertmanagerTarget: `127.0.0.1:${amPort}`,
        tokenFile: DEFAULT_TOKEN_FILE,
        unreachableFraction: o.unreachableFraction ?? 0.5,
      }),
    );
    const am = await startReadyProcess(
      'alertmanager',
      alertmanagerBin,
      [
        `--config.file=${join(dir, ALERTMANAGER_FILE)}`,
        `--storage.path=${join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        // Links in notifications (externalURL) must point where the UI really is, not the host name.
        `--web.external-url=http://127.0.0.1:${amPort}/`,
        // No gossip: it would bind the fixed port 9094 on every interface.
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      `http://127.0.0.1:${amPort}`,
    );
    running.push(am);
    const prom = await startReadyProcess(
      'prometheus',
      prometheusBin,
      [
        `--config.file=${join(dir, PROMETHEUS_FILE)}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        `--web.external-url=http://127.0.0.1:${promPort}/`,
        // Resend firing alerts at the evaluation pace, so a restarted Alertmanager learns them soon.
        `--rules.alert.resend-delay=${promDuration(Math.max(1000, o.timing.evaluationIntervalMs))}`,
        '--log.level=warn',
      ],
      `http://127.0.0.1:${promPort}`,
    );
    running.push(prom);
    return { prometheusUrl: prom.url, alertmanagerUrl: am.url, dir, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
