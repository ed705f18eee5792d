// The only commands that ever reach a node's shell, keyed by runbook step. Texts are the
// runbook's own, verbatim where the runbook gives them. Parameters come from the validated
// config (node names match [A-Za-z0-9._-], service_dir is checked below), never from an alert.

export const SSH_STEPS = [
  'echo-ok', // §3.2
  'node-health', // §3.5
  'p2p-stop', // §4.1
  'p2p-start', // §4.1
  'p2p-local-status', // §4.1 last line
  'tailscale-down', // §4.2
  'tailscale-up', // §4.2
  'tailscale-restart-detached', // §4.2/§4.5 one detached command: up runs even if the session dies
  'tailscale-status', // §4.2
  'networkd-restart', // §4.5
  'reach-backbone', // §4.5
  'force-full-sync', // §4.4
  'peer-check', // §6.3 from a healthy peer: does another node reach this one's P2P and SSH ports?
] as const;

export type SshStep = (typeof SSH_STEPS)[number];

/** Steps that change a node; dry runs never execute them. */
export const MUTATING_STEPS: ReadonlySet<SshStep> = new Set<SshStep>([
  'p2p-stop',
  'p2p-start',
  'tailscale-down',
  'tailscale-up',
  'tailscale-restart-detached',
  'networkd-restart',
  'force-full-sync',
]);

export interface CatalogParams {
  /** e.g. "~/ringrift/ai-service" */
  serviceDir: string;
  /** Node name (or address) of the backbone, already validated by the config schema. */
  backbone: string;
  p2pPort: number;
  /** `peer-check` only: the node the peer looks at, its configured address and ports. */
  target?: { host: string; p2pPort: number; sshPort: number };
}

const SAFE_WORD = /^[A-Za-z0-9._~/-]+$/;

/** Thrown when a catalog parameter would put an unsafe character into a shell command. */
export class UnsafeCatalogParameterError extends Error {
  override readonly name = 'UnsafeCatalogParameterError';
  constructor(
    readonly parameter: string,
    readonly value: string,
  ) {
    super(`refusing to build an SSH command: ${parameter} "${value}" contains characters outside [A-Za-z0-9._~/-]`);
  }
}

export function isSshStep(s: string): s is SshStep {
  return (SSH_STEPS as readonly string[]).includes(s);
}

export function sshCommand(step: SshStep, p: CatalogParams): string {
  const words: Record<string, string> = { serviceDir: p.serviceDir, backbone: p.backbone, ...(p.target && { target: p.target.host }) };
  for (const [k, v] of Object.entries(words)) {
    if (!SAFE_WORD.test(v)) throw new UnsafeCatalogParameterError(k, v);
  }
  const port = String(Math.trunc(p.p2pPort));
  switch (step) {
    case 'echo-ok':
      return 'echo OK';
    case 'node-health':
      return [
        'echo "=== System Status ==="',
        'uptime',
        'echo "=== Network Interfaces ==="',
        'ip addr show | grep -E "inet |tailscale"',
        'echo "=== P2P Process ==="',
        'ps aux | grep p2p',
        'echo "=== Recent Logs ==="',
        `tail -20 ${p.serviceDir}/logs/p2p.log 2>/dev/null || echo "No log file"`,
        'echo "=== Port Status ==="',
        'ss -tulpn | grep -E "8765|8770"',
      ].join('\n');
    case 'p2p-stop':
      // sshd runs this as `bash -c '<this text>'`, and pkill -f matches whole command lines:
      // the runbook's `pkill -f "p2p_daemon"` matches that shell and kills it (exit 143), so the
      // stop looked failed and the start ran regardless. `[p]2p_daemon` matches the daemon but
      // not its own text. Then verify: a daemon still there after SIGTERM and 5 s is an error,
      // so the caller never starts a second one (§4.1). No line here may contain the daemon's
      // name spelled plainly, or the shell would match itself again. `-u "$USER"` (sshd sets it):
      // only the SSH user's own processes, the daemon it started with nohup. Another account's
      // process with the name in its command line (a second service user, a root `tail -f` of
      // its log) cannot be signalled (EPERM) and is not our daemon, yet made the stop report
      // "still running" and fail.
      return [
        'pkill -u "$USER" -f "[p]2p_daemon"',
        'pgrep -u "$USER" -f "[p]2p_daemon" >/dev/null && sleep 1',
        'pgrep -u "$USER" -f "[p]2p_daemon" >/dev/null && sleep 4',
        'pgrep -u "$USER" -af "[p]2p_daemon" || exit 0',
        'echo "P2P daemon still running 5 s after SIGTERM; not starting a second one" >&2',
        'exit 1',
      ].join('\n');
    case 'p2p-start':
      // `cd … || exit 1;` rather than the runbook's `cd … && nohup … &`: that `&` backgrounds the
      // whole list as a subshell which keeps the SSH session's stdout open, so a real sshd
      // holds the session until the daemon exits (test/realnode/catalog.test.ts).
      return `cd ${p.serviceDir} || exit 1; nohup python -m app.distributed.p2p_daemon > logs/p2p.log 2>&1 &`;
    case 'p2p-local-status':
      return `curl -s localhost:${port}/status`;
    case 'tailscale-down':
      return 'sudo tailscale down';
    case 'tailscale-up':
      return 'sudo tailscale up';
    case 'tailscale-restart-detached':
      // tailscale down cuts a session that rides on Tailscale, and a second session (for up)
      // can fail even over the fallback: down and up run as one job detached from the session.
      return `nohup sh -c 'sudo tailscale down; sleep 2; sudo tailscale up' > /dev/null 2>&1 &`;
    case 'tailscale-status':
      return 'tailscale status';
    case 'networkd-restart':
      return 'sudo systemctl restart systemd-networkd';
    case 'reach-backbone':
      return `curl -s --connect-timeout 5 http://${p.backbone}:${port}/status`;
    case 'force-full-sync':
      // Detached: a full resync outlives any SSH session and activity timeout, and a retried
      // activity must not find itself waiting on (or starting) a second one. Progress is
      // watched over the admin API instead.
      return [
        `cd ${p.serviceDir} || exit 1; nohup python -c "`,
        'from app.coordination.auto_sync_daemon import AutoSyncDaemon',
        'import asyncio',
        '',
        'daemon = AutoSyncDaemon()',
        'asyncio.run(daemon.force_full_sync())',
        '" > logs/full-sync.log 2>&1 &',
      ].join('\n');
    case 'peer-check': {
      // Read-only, run on a healthy peer: curl's exit status per port tells refused (7), timed
      // out (28) and unresolved (6) apart; an SSH server answers HTTP with its banner, so any
      // other status on the SSH port means it took the connection (src/domain/corroboration.ts).
      if (!p.target) throw new UnsafeCatalogParameterError('target', '(none)');
      const { host, p2pPort, sshPort } = p.target;
      const curl = 'curl -s -o /dev/null --connect-timeout 3 -m 4';
      return [
        `${curl} -w "p2p %{http_code} " http://${host}:${Math.trunc(p2pPort)}/status; echo "exit $?"`,
        `${curl} http://${host}:${Math.trunc(sshPort)}/ 2>/dev/null; echo "ssh exit $?"`,
      ].join('\n');
    }
  }
}
