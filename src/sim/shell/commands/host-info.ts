// What a node says about itself: `hostname`, `whoami`, `uptime`, `ip addr` and `ss -tulpn`
// (§3 checks: is tailscale0 up, what listens on :8770).
import type { SimNode } from '../../state-types.js';
import type { Command, CommandContext } from '../types.js';

function hex2(n: number): string {
  return (n & 255).toString(16).padStart(2, '0');
}

function uptimeLine(bootedAt: number): string {
  const now = Date.now();
  const mins = Math.floor((now - bootedAt) / 60_000);
  const days = Math.floor(mins / 1440);
  const h = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  const clock = new Date(now).toISOString().slice(11, 19);
  return ` ${clock} up ${days} days, ${String(h).padStart(2)}:${String(m).padStart(2, '0')},  1 user,  load average: 0.52, 0.58, 0.59\n`;
}

/** The node's interfaces: lo, eth0 on the fallback address, and tailscale0 while Tailscale is up. */
function interfaces(x: CommandContext): Array<[string, string]> {
  const n = x.s.node;
  const mac = `02:42:ac:${hex2(n.index >> 8)}:${hex2(n.index & 255)}:${hex2(n.index % 251)}`;
  const fb = n.fallback.split('.');
  const ifs: Array<[string, string]> = [
    [
      'lo',
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n' +
        '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
        '    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n' +
        '    inet6 ::1/128 scope host noprefixroute \n       valid_lft forever preferred_lft forever\n',
    ],
    [
      'eth0',
      '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n' +
        `    link/ether ${mac} brd ff:ff:ff:ff:ff:ff\n` +
        `    inet ${n.fallback}/16 brd ${fb[0]}.${fb[1]}.255.255 scope global eth0\n       valid_lft forever preferred_lft forever\n`,
    ],
  ];
  if (n.tailscaleUp) {
    ifs.push([
      'tailscale0',
      '3: tailscale0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1280 qdisc fq_codel state UNKNOWN group default qlen 500\n' +
        '    link/none \n' +
        `    inet ${x.world.cluster.liveHost(n)}/32 scope global tailscale0\n       valid_lft forever preferred_lft forever\n` +
        `    inet6 fd7a:115c:a1e0::${(n.index + 1).toString(16)}/128 scope global \n       valid_lft forever preferred_lft forever\n`,
    ]);
  }
  return ifs;
}

const ip: Command = (args, x) => {
  const sub = args[0] ?? '';
  if (!['addr', 'a', 'address'].includes(sub)) {
    x.io.err.write(`Object "${sub}" is unknown, try "ip help".\n`);
    return 255;
  }
  const want = args.slice(1).filter((a) => a !== 'show' && a !== 'list' && a !== 'dev')[0];
  const ifs = interfaces(x);
  if (want !== undefined) {
    const hit = ifs.find(([name]) => name === want);
    if (hit === undefined) {
      x.io.err.write(`Device "${want}" does not exist.\n`);
      return 1;
    }
    x.io.out.write(hit[1]);
    return 0;
  }
  x.io.out.write(ifs.map(([, t]) => t).join(''));
  return 0;
};

function listeningSockets(n: SimNode, x: CommandContext): string {
  const rows = [
    'Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess',
    'udp   UNCONN 0      0         127.0.0.53%lo:53         0.0.0.0:*',
    `udp   UNCONN 0      0               0.0.0.0:41641      0.0.0.0:*    users:(("tailscaled",pid=903,fd=12))`,
    `tcp   LISTEN 0      128             0.0.0.0:${x.world.sshPort}       0.0.0.0:*    users:(("sshd",pid=951,fd=3))`,
    `tcp   LISTEN 0      2048            0.0.0.0:${x.world.cluster.ports.http_api}       0.0.0.0:*    users:(("python",pid=1422,fd=9))`,
  ];
  if (n.daemon === 'running') rows.push(`tcp   LISTEN 0      2048            0.0.0.0:${x.world.cluster.ports.p2p}       0.0.0.0:*    users:(("python",pid=${n.daemonPid},fd=7))`);
  if (n === x.world.cluster.coordinator) rows.push(`tcp   LISTEN 0      2048            0.0.0.0:${x.world.cluster.ports.admin}       0.0.0.0:*    users:(("python",pid=1422,fd=11))`);
  return rows.join('\n') + '\n';
}

const ss: Command = (_args, x) => {
  x.io.out.write(listeningSockets(x.s.node, x));
  return 0;
};

export const HOST_INFO = {
  hostname: (_args, x) => {
    x.io.out.write(x.s.node.name + '\n');
    return 0;
  },
  whoami: (_args, x) => {
    x.io.out.write('ubuntu\n');
    return 0;
  },
  uptime: (_args, x) => {
    x.io.out.write(uptimeLine(x.s.node.bootedAt));
    return 0;
  },
  ip,
  ss,
  netstat: ss,
} satisfies Record<string, Command>;
