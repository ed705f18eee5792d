// Builds the activities' dependencies from the config files. The cluster config is re-read
// when the hosts file changes on disk (update-hosts writes it), so a running worker follows.
import { statSync } from 'node:fs';
import type { ActivityDeps } from '../../activities/index.js';
import { loadCluster } from '../config/loader.js';
import type { ClusterSpec } from '../domain/cluster-spec.js';
import type { RunbookPolicy } from '../domain/policy.js';

export function watchedCluster(hostsFile: string): () => ClusterSpec {
  let cached = loadCluster(hostsFile);
  let stamp = statSync(hostsFile).mtimeMs;
  return () => {
    const now = statSync(hostsFile, { throwIfNoEntry: false })?.mtimeMs;
    if (now !== undefined && now !== stamp) {
      // A broken edit keeps the last good config; the error surfaces in `config validate`.
      try {
        cached = loadCluster(hostsFile);
        stamp = now;
      } catch {
        stamp = now;
      }
    }
    return cached;
  };
}

export function activityDeps(opts: { hostsFile: string; policy: RunbookPolicy; adminKey?: string | undefined }): ActivityDeps {
  return {
    cluster: watchedCluster(opts.hostsFile),
    hostsFile: opts.hostsFile,
    policy: opts.policy,
    ...(opts.adminKey !== undefined && { adminKey: opts.adminKey }),
  };
}
