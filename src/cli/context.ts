// Shared lookups for client commands: which hosts file and policy the user means.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_HOSTS_FILE, DEFAULT_POLICY_FILE } from '../config/default-files.js';
import type { RunbookPolicy } from '../domain/policy.js';
import { PROJECT_ROOT } from '../temporal/binaries.js';

const DEV_STATE = join(PROJECT_ROOT, '.data', 'dev-stack.json');

/**
 * `runbook dev` records its hosts file so other terminals' commands default to it. Only the
 * default data dir is read back, so a stack started elsewhere (tests) never hijacks it.
 */
export function recordDevHostsFile(dataDir: string, hostsFile: string): void {
  const file = join(dataDir, 'dev-stack.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ hostsFile, pid: process.pid }));
}

function devHostsFile(): string | undefined {
  if (!existsSync(DEV_STATE)) return undefined;
  try {
    const s = JSON.parse(readFileSync(DEV_STATE, 'utf8')) as { hostsFile?: string; pid?: number };
    if (s.pid !== undefined) process.kill(s.pid, 0); // throws when that stack is gone
    return s.hostsFile !== undefined && existsSync(s.hostsFile) ? s.hostsFile : undefined;
  } catch {
    return undefined;
  }
}

/** $RUNBOOK_CONFIG, else the running dev stack's simulated cluster, else config/. */
export function hostsFileFor(flag?: string): string {
  return flag ?? process.env['RUNBOOK_CONFIG'] ?? devHostsFile() ?? DEFAULT_HOSTS_FILE;
}

/** Loads the loader on use: `runbook --help` and `status` never need zod or js-yaml, and start faster without. */
export async function policyFor(flag?: string): Promise<RunbookPolicy> {
  const { loadPolicy } = await import('../config/loader.js');
  return loadPolicy(flag ?? process.env['RUNBOOK_POLICY'] ?? DEFAULT_POLICY_FILE);
}
