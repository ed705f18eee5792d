// File descriptors the simulator needs for a cluster size, against this machine's limit. Node
// raises its soft RLIMIT_NOFILE to the hard limit at start, so the hard limit is what counts.
import { readFileSync } from 'node:fs';

/**
 * Per node the simulator listens on P2P, HTTP and SSH on the primary and the fallback address
 * (6 sockets; measured: 6,003 listeners at 1,000 nodes). A host-down node's 6 connections stay
 * open on the simulator's side until the run ends, and a sweep holds a few hundred more in
 * flight: 8 per node on average, plus slack.
 */
const FDS_PER_NODE = 8;
const SLACK = 1024;

/** The hard open-files limit of this process, or undefined when /proc is not there. */
export function hardFdLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    return hard === 'unlimited' ? Infinity : hard === undefined ? undefined : Number(hard);
  } catch {
    return undefined;
  }
}

/** A sentence saying what stops a size, or undefined when it fits. */
export function fdShortfall(nodes: number, limit = hardFdLimit()): string | undefined {
  const need = nodes * FDS_PER_NODE + SLACK;
  if (limit === undefined || limit >= need) return undefined;
  return `${nodes} nodes need about ${need} file descriptors in the simulator; the hard limit here is ${limit} (raise it: ulimit -Hn, or LimitNOFILE= for a service)`;
}
