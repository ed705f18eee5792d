import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigInvalidError, TailscaleUnavailableError } from '../../activities/errors.js';
import { addressChanges } from '../../activities/hosts-file.js';
import { createActivities } from '../../activities/index.js';
import { toTailscaleView } from '../../activities/tailscale.js';
import { cluster, fastPolicy, host, runActivity, tempDir } from './helpers.js';

// A trimmed but real-shaped `tailscale status --json` (ipnstate.Status).
const STATUS = {
  Version: '1.76.6-t2f4f8f5e6-g1c1b8c5a2',
  TUN: true,
  BackendState: 'Running',
  HaveNodeKey: true,
  AuthURL: '',
  TailscaleIPs: ['100.64.0.1', 'fd7a:115c:a1e0::1'],
  Self: {
    ID: 'nSelf1CNTRL',
    PublicKey: 'nodekey:1111111111111111111111111111111111111111111111111111111111111111',
    HostName: 'nebius-backbone-1',
    DNSName: 'nebius-backbone-1.tail1234.ts.net.',
    OS: 'linux',
    UserID: 123,
    TailscaleIPs: ['100.64.0.1', 'fd7a:115c:a1e0::1'],
    AllowedIPs: ['100.64.0.1/32', 'fd7a:115c:a1e0::1/128'],
    Addrs: ['89.169.111.139:41641'],
    CurAddr: '',
    Relay: 'ams',
    RxBytes: 0,
    TxBytes: 0,
    Created: '2025-11-01T10:00:00Z',
    LastSeen: '0001-01-01T00:00:00Z',
    LastHandshake: '0001-01-01T00:00:00Z',
    Online: false,
    ExitNode: false,
    ExitNodeOption: false,
    Active: false,
    PeerAPIURL: ['http://100.64.0.1:43210'],
    InNetworkMap: true,
    InMagicSock: false,
    InEngine: false,
  },
  Health: [],
  MagicDNSSuffix: 'tail1234.ts.net',
  CurrentTailnet: { Name: 'ringrift.example', MagicDNSSuffix: 'tail1234.ts.net', MagicDNSEnabled: true },
  CertDomains: null,
  Peer: {
    'nodekey:2222222222222222222222222222222222222222222222222222222222222222': {
      ID: 'nPeer2CNTRL',
      PublicKey: 'nodekey:2222222222222222222222222222222222222222222222222222222222222222',
      // Machine's OS hostname differs from the config name; MagicDNS name matches.
      HostName: 'gpu-box-7',
      DNSName: 'runpod-h100.tail1234.ts.net.',
      OS: 'linux',
      TailscaleIPs: ['100.64.0.2', 'fd7a:115c:a1e0::2'],
      Online: true,
      Active: true,
      Relay: 'fra',
      CurAddr: '38.1.2.3:41641',
      LastSeen: '2025-12-01T10:00:00Z',
    },
    'nodekey:3333333333333333333333333333333333333333333333333333333333333333': {
      ID: 'nPeer3CNTRL',
      PublicKey: 'nodekey:3333333333333333333333333333333333333333333333333333333333333333',
      HostName: 'localhost',
      DNSName: 'localhost-3.tail1234.ts.net.',
      OS: 'linux',
      // Matched through the config's tailscale_ip only.
      TailscaleIPs: ['100.64.0.3'],
      Online: false,
      LastSeen: '2025-11-30T09:00:00Z',
    },
    'nodekey:4444444444444444444444444444444444444444444444444444444444444444': {
      ID: 'nPeer4CNTRL',
      PublicKey: 'nodekey:4444444444444444444444444444444444444444444444444444444444444444',
      HostName: 'someones-laptop',
      DNSName: 'someones-laptop.tail1234.ts.net.',
      OS: 'macOS',
      TailscaleIPs: ['100.64.0.99'],
      Online: true,
    },
  },
  User: { '123': { ID: 123, LoginName: 'ops@example.com', DisplayName: 'Ops' } },
};

const spec = (tailscale: { socket: string } | { cli: string }) =>
  cluster(
    [
      host('nebius-backbone-1', '89.169.111.139', {}),
      host('runpod-h100', '38.1.2.3', {}),
      host('lambda-a10', '10.1.1.1', {}, { tailscale_ip: '100.64.0.3' }),
      host('vast-missing', '10.9.9.9', {}),
    ],
    { tailscale },
  );

const EXPECTED = {
  backendState: 'Running',
  peers: [
    { name: 'nebius-backbone-1', online: true, ips: ['100.64.0.1', 'fd7a:115c:a1e0::1'] },
    { name: 'runpod-h100', online: true, ips: ['100.64.0.2', 'fd7a:115c:a1e0::2'] },
    { name: 'lambda-a10', online: false, ips: ['100.64.0.3'] },
  ],
};

describe('tailscaleStatus via the LocalAPI socket', () => {
  let server: Server;
  let socket: string;
  const seen: Array<{ url?: string; host?: string; sec?: string }> = [];

  beforeAll(async () => {
    socket = join(tempDir('ts'), 'tailscaled.sock');
    server = createServer((req, res) => {
      seen.push({ url: req.url, host: req.headers.host, sec: req.headers['sec-tailscale'] as string | undefined });
      if (req.url === '/localapi/v0/status' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(STATUS));
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(socket, () => resolve()));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('matches peers to config nodes by MagicDNS name and Tailscale IP; Self is online', async () => {
    const acts = createActivities({ cluster: () => spec({ socket }), policy: fastPolicy() });
    const { result } = await runActivity(() => acts.tailscaleStatus({}));
    expect(result).toEqual(EXPECTED);
    expect(seen.at(-1)).toEqual({ url: '/localapi/v0/status', host: 'local-tailscaled.sock', sec: 'localapi' });
  });

  it('throws a retryable TailscaleUnavailableError when the socket is absent', async () => {
    const acts = createActivities({ cluster: () => spec({ socket: join(tempDir('ts'), 'none.sock') }), policy: fastPolicy() });
    const p = runActivity(() => acts.tailscaleStatus({}));
    await expect(p).rejects.toThrow(TailscaleUnavailableError);
    await expect(p).rejects.toMatchObject({ reason: 'ENOENT' });
  });
});

describe('tailscaleStatus via the CLI', () => {
  it('runs `<cli> status --json` without a shell and parses its output', async () => {
    const dir = tempDir('tscli');
    writeFileSync(join(dir, 'status.json'), JSON.stringify(STATUS, null, 2));
    const cli = join(dir, 'tailscale');
    // Prints the document only for exactly `status --json`.
    writeFileSync(
      cli,
      `#!/bin/sh\nif [ "$1" = status ] && [ "$2" = --json ] && [ $# -eq 2 ]; then cat "${join(dir, 'status.json')}"; else echo "usage" >&2; exit 2; fi\n`,
    );
    chmodSync(cli, 0o755);
    const acts = createActivities({ cluster: () => spec({ cli }), policy: fastPolicy() });
    const { result } = await runActivity(() => acts.tailscaleStatus({}));
    expect(result).toEqual(EXPECTED);
  });

  it('reads the document even when the CLI exits non-zero (tailscale stopped)', async () => {
    const dir = tempDir('tscli');
    const cli = join(dir, 'tailscale');
    writeFileSync(
      cli,
      `#!/bin/sh\necho '{"BackendState":"Stopped","MagicDNSSuffix":"tail1234.ts.net","Self":{"HostName":"nebius-backbone-1","DNSName":"nebius-backbone-1.tail1234.ts.net.","TailscaleIPs":[]},"Peer":null}'\nexit 1\n`,
    );
    chmodSync(cli, 0o755);
    const acts = createActivities({ cluster: () => spec({ cli }), policy: fastPolicy() });
    const { result } = await runActivity(() => acts.tailscaleStatus({}));
    expect(result).toEqual({ backendState: 'Stopped', peers: [{ name: 'nebius-backbone-1', online: true, ips: [] }] });
  });

  it('fails permanently when the CLI does not exist', async () => {
    const acts = createActivities({ cluster: () => spec({ cli: join(tempDir('tscli'), 'missing') }), policy: fastPolicy() });
    await expect(runActivity(() => acts.tailscaleStatus({}))).rejects.toThrow(ConfigInvalidError);
  });
});

// A tailnet device chooses its own HostName, so a name alone never identifies a node.
describe('peer matching resists HostName spoofing', () => {
  const rogueKey = 'nodekey:0000000000000000000000000000000000000000000000000000000000000066';
  /** STATUS plus an online device calling itself `hostName`, listed first (Go sorts map keys). */
  const withRogue = (hostName: string, dnsName: string, ips: string[]) => ({
    ...STATUS,
    Peer: {
      [rogueKey]: { ID: 'nRogueCNTRL', PublicKey: rogueKey, HostName: hostName, DNSName: dnsName, OS: 'linux', TailscaleIPs: ips, Online: true },
      ...STATUS.Peer,
    },
  });
  const spec4 = spec({ socket: '/unused.sock' });

  it('an online impostor named like an offline node neither matches it nor moves its address', () => {
    // lambda-a10 (tailscale_ip 100.64.0.3) is offline; the impostor took the MagicDNS name lambda-a10-1.
    const doc = withRogue('lambda-a10', 'lambda-a10-1.tail1234.ts.net.', ['100.64.0.66']);
    const view = toTailscaleView(doc, spec4);
    expect(view.peers.find((p) => p.name === 'lambda-a10')).toEqual({ name: 'lambda-a10', online: false, ips: ['100.64.0.3'] });
    expect(view.conflicts).toEqual([
      {
        node: 'lambda-a10',
        peers: [
          'HostName localhost (localhost-3.tail1234.ts.net, 100.64.0.3, offline)',
          'HostName lambda-a10 (lambda-a10-1.tail1234.ts.net, 100.64.0.66, online)',
        ],
      },
    ]);
    expect(addressChanges(spec4, view)).toEqual([]);
  });

  it('a node two devices hold (configured IP and MagicDNS name) is not matched, only reported', () => {
    // Nobody held the name lambda-a10, so the impostor got it: IP and DNS name now disagree.
    const view = toTailscaleView(withRogue('lambda-a10', 'lambda-a10.tail1234.ts.net.', ['100.64.0.66']), spec4);
    expect(view.peers.map((p) => p.name)).toEqual(['nebius-backbone-1', 'runpod-h100']);
    expect(view.conflicts?.map((c) => c.node)).toEqual(['lambda-a10']);
  });

  it('a device that only calls itself by a node name is not that node', () => {
    // vast-missing has no device at all; the impostor's HostName and DNS label say vast-missing.
    const view = toTailscaleView(withRogue('vast-missing', 'vast-missing.other-tailnet.ts.net.', ['100.64.0.66']), spec4);
    expect(view.peers.map((p) => p.name)).toEqual(['nebius-backbone-1', 'runpod-h100', 'lambda-a10']);
    expect(view.conflicts).toBeUndefined();
  });

  it('ignores addresses that are not IP addresses and sanitises what devices say about themselves', () => {
    const doc = withRogue('runpod-h100', 'runpod-h100.*<b>x</b>*.ts.net.', ['100.64.0.9\n    port: 2200']);
    doc.Peer['nodekey:2222222222222222222222222222222222222222222222222222222222222222'] = {
      ...STATUS.Peer['nodekey:2222222222222222222222222222222222222222222222222222222222222222'],
      TailscaleIPs: ['100.64.0.9\n    port: 2200', '100.64.0.2'],
    };
    const view = toTailscaleView(doc, spec4);
    expect(view.peers.find((p) => p.name === 'runpod-h100')?.ips).toEqual(['100.64.0.2']);
    expect(view.conflicts).toEqual([
      { node: 'runpod-h100', peers: [expect.stringContaining('HostName gpu-box-7'), 'HostName runpod-h100 (runpod-h100.??b?x??b??.ts.net, no address, online)'] },
    ]);
  });
});
