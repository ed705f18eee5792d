// §4.6: ip-changed is fixed once the hosts file names the node's new address. While any node
// has moved, the file is polled every 200 ms; a half-written file is read again on its next change.
import { readFileSync, statSync } from 'node:fs';
import yaml from 'js-yaml';
import type { SimCluster } from './cluster.js';

const POLL_MS = 200;

export class HostsFileWatcher {
  private mtime: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly cluster: SimCluster,
    private readonly hostsFile: string,
  ) {
    this.mtime = statSync(hostsFile).mtimeMs;
  }

  /** Starts polling (again) if it is not already; it stops by itself once no node has moved. */
  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private poll(): void {
    if (!this.cluster.nodes.some((n) => n.movedTo !== null)) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    let m: number;
    try {
      m = statSync(this.hostsFile).mtimeMs;
    } catch {
      return;
    }
    if (m === this.mtime) return;
    this.mtime = m;
    try {
      const doc = yaml.load(readFileSync(this.hostsFile, 'utf8')) as { hosts?: Array<{ name?: unknown; host?: unknown }> };
      for (const h of doc.hosts ?? []) {
        if (typeof h.name !== 'string' || typeof h.host !== 'string') continue;
        const n = this.cluster.byName.get(h.name);
        if (n !== undefined) this.cluster.hostsFileSays(n, h.host);
      }
    } catch {
      // Half-written or invalid: try again on the next change.
    }
  }
}
