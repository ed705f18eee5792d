// `tailscale status` (text and --json) as a node sees the tailnet, in the real CLI/LocalAPI format.
import type { SimCluster } from './cluster.js';
import type { SimNode } from './state-types.js';

export interface TailnetInfo {
  /** e.g. "tailnet-3f2a.ts.net" */
  suffix: string;
  name: string;
}

function peerStatus(c: SimCluster, t: SimNode, tailnet: TailnetInfo, now: number): Record<string, unknown> {
  const ip = c.liveHost(t);
  const online = !t.hostDown && t.tailscaleUp;
  const created = new Date(c.startedAt - 90 * 86_400_000 + t.index * 3_600_000).toISOString();
  const seen = new Date(online ? now : now - 300_000).toISOString();
  return {
    ID: `n${t.tailscaleId}CNTRL`,
    PublicKey: `nodekey:${t.nodeKey}`,
    HostName: t.name,
    DNSName: `${t.name}.${tailnet.suffix}.`,
    OS: 'linux',
    UserID: 6_042_301_928,
    TailscaleIPs: [ip],
    AllowedIPs: [`${ip}/32`],
    Addrs: online ? [`${t.fallback}:41641`] : null,
    CurAddr: online ? `${t.fallback}:41641` : '',
    Relay: ['fra', 'ams', 'nyc', 'sfo'][t.index % 4],
    RxBytes: online ? 1_048_576 + t.index * 4096 : 0,
    TxBytes: online ? 524_288 + t.index * 2048 : 0,
    Created: created,
    LastWrite: seen,
    LastSeen: seen,
    LastHandshake: seen,
    Online: online,
    ExitNode: false,
    ExitNodeOption: false,
    Active: online && t.daemon === 'running',
    PeerAPIURL: [`http://${ip}:36813`],
    InNetworkMap: true,
    InMagicSock: online,
    InEngine: online,
  };
}

/**
 * rogue-peer: another device on the tailnet, online, whose self-chosen HostName is `t`'s name.
 * The coordination server gives it the next free MagicDNS name (`<name>-1`) and its own address.
 * Its node key sorts first, so it is listed before every real node (Go sorts map keys).
 */
function roguePeerStatus(c: SimCluster, t: SimNode, tailnet: TailnetInfo, now: number): [string, Record<string, unknown>] {
  const ip = c.rogueAddress(t);
  const key = `nodekey:0000${t.nodeKey.slice(4)}`;
  const seen = new Date(now).toISOString();
  return [
    key,
    {
      ID: `n${900_000 + t.index}CNTRL`,
      PublicKey: key,
      HostName: t.name,
      DNSName: `${rogueDnsLabel(t)}.${tailnet.suffix}.`,
      OS: 'linux',
      UserID: 7_130_455_001,
      TailscaleIPs: [ip],
      AllowedIPs: [`${ip}/32`],
      Addrs: ['203.0.113.66:41641'],
      CurAddr: '203.0.113.66:41641',
      Relay: 'nyc',
      RxBytes: 4096,
      TxBytes: 4096,
      Created: new Date(now - 600_000).toISOString(),
      LastWrite: seen,
      LastSeen: seen,
      LastHandshake: seen,
      Online: true,
      ExitNode: false,
      ExitNodeOption: false,
      Active: true,
      PeerAPIURL: [`http://${ip}:36813`],
      InNetworkMap: true,
      InMagicSock: true,
      InEngine: true,
    },
  ];
}

const rogueDnsLabel = (t: SimNode): string => `${t.name.toLowerCase()}-1`;

/** The body of `GET /localapi/v0/status` and `tailscale status --json`, from `self`'s side. */
export function statusJson(c: SimCluster, self: SimNode, tailnet: TailnetInfo): Record<string, unknown> {
  const now = Date.now();
  const entries: Array<[string, Record<string, unknown>]> = [];
  for (const t of c.nodes) {
    if (t !== self) entries.push([`nodekey:${t.nodeKey}`, peerStatus(c, t, tailnet, now)]);
    if (t.roguePeer) entries.push(roguePeerStatus(c, t, tailnet, now));
  }
  // tailscaled is written in Go, whose JSON encoder emits map keys sorted.
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const peers: Record<string, unknown> = Object.fromEntries(entries);
  const running = self.tailscaleUp;
  return {
    Version: '1.76.6-t8c1a2b3c4-g5d6e7f8a9',
    TUN: true,
    BackendState: running ? 'Running' : 'Stopped',
    HaveNodeKey: true,
    AuthURL: '',
    TailscaleIPs: running ? [c.liveHost(self)] : null,
    Self: { ...peerStatus(c, self, tailnet, now), Online: running, Active: false },
    Health: [],
    MagicDNSSuffix: tailnet.suffix,
    CurrentTailnet: { Name: tailnet.name, MagicDNSSuffix: tailnet.suffix, MagicDNSEnabled: true },
    CertDomains: null,
    Peer: peers,
    User: { '6042301928': { ID: 6_042_301_928, LoginName: 'ops@ringrift.example', DisplayName: 'ops', ProfilePicURL: '' } },
    ClientVersion: null,
  };
}

/** `tailscale status` text; `null` when Tailscale is stopped on `self`. */
export function statusText(c: SimCluster, self: SimNode): string | null {
  if (!self.tailscaleUp) return null;
  const rows: string[][] = [];
  for (const t of [self, ...c.nodes.filter((x) => x !== self)]) {
    const online = !t.hostDown && t.tailscaleUp;
    let st = '-';
    if (t !== self) {
      if (!online) st = 'offline';
      else if (t.daemon === 'running') st = `active; direct ${t.fallback}:41641, tx ${524_288 + t.index * 2048} rx ${1_048_576 + t.index * 4096}`;
      else st = 'idle, tx 0 rx 0';
    }
    rows.push([c.liveHost(t), t.name, 'ops@', 'linux', st]);
  }
  for (const t of c.nodes) {
    if (t.roguePeer) rows.splice(1, 0, [c.rogueAddress(t), rogueDnsLabel(t), 'guest@', 'linux', 'active; direct 203.0.113.66:41641, tx 4096 rx 4096']);
  }
  const w0 = Math.max(...rows.map((r) => r[0]!.length)) + 2;
  const w1 = Math.max(...rows.map((r) => r[1]!.length)) + 2;
  return rows.map((r) => `${r[0]!.padEnd(w0)} ${r[1]!.padEnd(w1)} ${r[2]!.padEnd(6)} ${r[3]!.padEnd(7)} ${r[4]}\n`).join('');
}
