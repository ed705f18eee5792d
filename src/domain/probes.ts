// Results of probes, as activities return them and workflows classify them. Pure data.

export type Via = 'primary' | 'fallback' | 'none';
/** An address that answered: the node's primary (Tailscale) one or its §5.4 fallback. */
export type AddressSide = Exclude<Via, 'none'>;
/** The address an SSH step goes to; `auto` tries the primary, then the fallback. */
export type SshVia = AddressSide | 'auto';

export interface CheckResult {
  ok: boolean;
  /** Latency of the answering attempt (or time spent until giving up). */
  ms: number;
  /** Which address answered; absent when neither did. */
  via?: AddressSide;
  /** Short reason when not ok: "timeout", "ECONNREFUSED", "HTTP 503", … (never a secret). */
  error?: string;
}

/** The P2P daemon's own view of the cluster (§3.1 fields of GET :8770/status). */
export interface P2pStatus {
  node_id?: string;
  status: string;
  leader_id: string | null;
  alive_peers: number;
  total_peers: number;
  cluster_health: string;
  role?: string;
}

export interface NodeProbe {
  name: string;
  /** Address that answered first: primary (Tailscale) or the §5.4 fallback. */
  via: Via;
  checks: {
    p2p: CheckResult;
    http: CheckResult;
    /** SSH port answers with an SSH banner (no login: cheap enough for every node). */
    ssh: CheckResult;
  };
  /** Parsed /status body when the P2P check answered. */
  status?: P2pStatus;
  /** §3.4 routing checks of a dark node, run during its timeout wait (diagnose only, capped). */
  routing?: RoutingCheck;
}

/** Tailscale's view (§3.3), reduced to what classification needs so history stays small. */
export interface TailscaleView {
  backendState: string;
  /**
   * Peers matched to config nodes by configured Tailscale IP or MagicDNS name, never by the
   * self-chosen HostName alone (a tailnet device can call itself anything).
   */
  peers: Array<{ name: string; online: boolean; ips: string[] }>;
  /**
   * Config nodes that more than one tailnet device claims (by IP, MagicDNS name or HostName):
   * an impostor or a stale registration. Absent in histories recorded before it existed.
   */
  conflicts?: TailnetConflict[];
}

/** One node and the devices that claim it, each described in a short, sanitised line. */
export interface TailnetConflict {
  node: string;
  peers: string[];
}

export interface SyncStatus {
  stalled: boolean;
  inProgress: boolean;
  /** 0..1 over the categories being synced. */
  progress: number;
  categories: Record<string, { progress: number; lastSyncAt: string | null; pending: number }>;
}

/** Output of one catalogued SSH step, capped in size before it reaches history. */
export interface SshResult {
  node: string;
  step: string;
  via: AddressSide;
  exitCode: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
  ms: number;
}

/** §3.4 routing checks of one node. */
export interface RoutingCheck {
  node: string;
  dns: { ok: boolean; addresses: string[]; error?: string };
  tcp: Array<{ port: number; ok: boolean; ms: number; error?: string }>;
  traceroute: { ran: boolean; output?: string; skippedReason?: string };
}
