// The files `runbook config prometheus --out DIR` writes, built and written together: a
// Prometheus that loads the rules and an Alertmanager that posts to the webhook, all from the
// configured hosts. Each file is written to a temp file beside it and renamed, so a running
// Prometheus or Alertmanager reloading meanwhile never reads half a file.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClusterSpec } from '../domain/cluster-spec.js';
import { prometheusScrapeConfig } from '../config/prometheus.js';
import { ALERTMANAGER_FILE, alertmanagerYaml } from './alertmanager-config.js';
import { RULES_FILE, alertRulesYaml } from './rules.js';
import type { AlertingTiming } from './timing.js';

export const PROMETHEUS_FILE = 'prometheus.yml';

export interface AlertingConfigOptions {
  timing: AlertingTiming;
  workerTargets: readonly string[];
  webhookBase: URL;
  alertmanagerTarget: string;
  tokenFile: string;
  unreachableFraction: number;
}

/** Relative path → contents. */
export function alertingConfigFiles(cluster: ClusterSpec, o: AlertingConfigOptions): Record<string, string> {
  return {
    [PROMETHEUS_FILE]: prometheusScrapeConfig(cluster, {
      workerTargets: o.workerTargets,
      webhookBase: o.webhookBase,
      timing: o.timing,
      alerting: { alertmanagerTarget: o.alertmanagerTarget },
    }),
    [RULES_FILE]: alertRulesYaml({ timing: o.timing, unreachableFraction: o.unreachableFraction }),
    [ALERTMANAGER_FILE]: alertmanagerYaml({ timing: o.timing, webhookBase: o.webhookBase, tokenFile: o.tokenFile }),
  };
}

/** Thrown when --out names something that is not a directory we can write into. */
export class OutDirError extends Error {
  override readonly name = 'OutDirError';
}

/** Writes every file under `dir` atomically (temp file, fsync, rename); returns the paths. */
export function writeConfigFiles(dir: string, files: Record<string, string>): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    st = undefined;
  }
  if (st !== undefined && !st.isDirectory()) {
    throw new OutDirError(`--out: ${dir} is a file; --out takes a directory (it writes ${Object.keys(files).join(', ')} into it)`);
  }
  const written: string[] = [];
  for (const [rel, text] of Object.entries(files)) {
    const target = join(dir, rel);
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const fd = openSync(tmp, 'wx', 0o644);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    written.push(target);
  }
  return written;
}
