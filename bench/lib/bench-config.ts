// Constants shared by the benchmark's modules: where the repo is, the policy every run uses,
// and the admin key handed to the simulator and worker children.
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPolicy } from '../../src/config/loader.js';

/** Repo root: children run from here, as `runbook` does, and bin/ and bench/ are resolved from it. */
export const ROOT = repoRoot(resolve(fileURLToPath(new URL('../..', import.meta.url))));

/** From dist-bench/bench/lib (the compiled bench, `npm run build:bench`) the repo is one further up. */
function repoRoot(dir: string): string {
  return basename(dir) === 'dist-bench' ? dirname(dir) : dir;
}
/** The default policy, so the bench measures what `runbook diagnose` does out of the box. */
export const POLICY = defaultPolicy();
export const PROBE_TIMEOUT_S = POLICY.probe.totalTimeoutMs / 1000;
/** Passed to the children via $RUNBOOK_ADMIN_KEY (never argv). */
export const ADMIN_KEY = 'bench-admin-key-90';

/**
 * An explicit old-generation limit. Without one, V8 sizes the heap from the machine's memory
 * (4 GB here) and collects the old generation late: the worker's peak RSS at 1,000 nodes was
 * 263-319 MB, and the same with a 2,048 or 3,072 MB limit. With any limit from 128 to 1,280 MB
 * it was 185-208 MB, for about 25 % more CPU in a cold sweep and no slower sweep once the dead
 * hosts are known (bench/README.md, "Memory"). 1,024 MB keeps room for 2,000 nodes and for the
 * SDK's workflow cache, which the SDK sizes from the heap limit: 486 workflows with it, 2,286
 * without (the workflow thread gets the same limit).
 */
const OLD_SPACE_FLAG = '--max-old-space-size=1024';

/**
 * Node flags of the worker child, the same as the production image's NODE_OPTIONS (Dockerfile):
 * 16 MB semi-spaces and the old-generation limit above. The probe sweep allocates a lot of
 * short-lived objects; in 2 MB semi-spaces (until 2026-11-30) they outlived their scavenges and
 * went to full collections: ~20 % more worker CPU per sweep for 20–45 MB less peak RSS at 1,000
 * nodes (bench/README.md, "Memory").
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=16', OLD_SPACE_FLAG];

/**
 * Environment of the worker child, the same as the production image's (Dockerfile): glibc's
 * malloc keeps one arena per thread that allocates, up to 8 per core, and the worker's threads
 * (libuv, the workflow thread, the Temporal core's Rust runtime) each fill and keep their own
 * during a sweep. Two arenas cut the worker's RSS by ~15 MB idle and ~25 MB at the 1,000-node
 * peak, for no more CPU (bench/README.md, "Memory"). glibc reads it at process start, so it can
 * only come from outside the process.
 */
export const WORKER_ENV = { MALLOC_ARENA_MAX: '2' } as const;
