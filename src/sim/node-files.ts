// Each node's few files, created on first use: the p2p daemon's log (§4.1 `tail logs/p2p.log`)
// and whatever the shell writes with `>`, `curl -o` and friends.
import type { SimNode } from './state-types.js';

/** Lines kept per file: 1,000 nodes restarting for hours must not grow memory. */
const MAX_LOG_LINES = 200;

/** A log line as the daemon's Python logging writes it: `2026-01-02 03:04:05,678 message`. */
export function logLine(t: number, message: string): string {
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)} ${message}\n`;
}

/** The node's files; the first call writes the log of the daemon's start-up. */
export function filesOf(n: SimNode, logPath: string, peers: number, leader: string): Map<string, string> {
  if (n.files === undefined) {
    const t0 = n.daemonSince;
    n.files = new Map([
      [
        logPath,
        [
          logLine(t0, `INFO p2p_daemon: starting P2P daemon node_id=${n.name} port=8770`),
          logLine(t0 + 850, `INFO p2p_backend: heartbeat interval 5s, failure threshold 3`),
          logLine(t0 + 1200, `INFO p2p_backend: joined mesh: ${peers} peers, leader=${leader}`),
        ].join(''),
      ],
    ]);
  }
  return n.files;
}

/** Appends a log line to `path` in `files`, keeping the last MAX_LOG_LINES lines. */
export function appendLogLine(files: Map<string, string>, path: string, message: string): void {
  const prev = files.get(path) ?? '';
  const lines = (prev + logLine(Date.now(), message)).split('\n');
  files.set(path, lines.length > MAX_LOG_LINES ? lines.slice(-MAX_LOG_LINES).join('\n') : lines.join('\n'));
}
