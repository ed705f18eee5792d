// Constants shared by the benchmark's modules: where the repo is, the policy every run uses,
// and the admin key handed to the simulator and worker children.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPolicy } from '../../src/config/loader.js';

/** Repo root: children run from here, as `runbook` does, and bin/ and bench/ are resolved from it. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The default policy, so the bench measures what `runbook diagnose` does out of the box. */
export const POLICY = defaultPolicy();
export const PROBE_TIMEOUT_S = POLICY.probe.totalTimeoutMs / 1000;
/** Passed to the children via $RUNBOOK_ADMIN_KEY (never argv). */
export const ADMIN_KEY = 'bench-admin-key-90';
