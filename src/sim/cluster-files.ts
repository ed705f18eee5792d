// The files a running simulator writes into its directory (docs/reference/simulator.md "Start it"):
// the client key, known_hosts, the hosts file in our schema, and sim.json. The admin key is
// deliberately written nowhere.
import { appendFileSync, chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { SimCluster } from './cluster.js';
import { SimUsageError } from './errors.js';
import { generateKey } from './ssh-server.js';
import type { SimNode } from './state-types.js';

export const SIM_USER = 'ubuntu';
export const SIM_SERVICE_DIR = '~/ringrift/ai-service';

type KeyPair = { private: string; public: string };

export interface ClusterFiles {
  hostsFile: string;
  socketPath: string;
  clientKey: KeyPair;
  /** One host key per node, by node index. */
  hostKeys: KeyPair[];
  /** Ops re-provision known_hosts with the node's (unchanged) host key for a new address. */
  addKnownHost(n: SimNode, addr: string): void;
}

/** Writes keys, known_hosts and the hosts file for `cluster` into `dir`. */
export function writeClusterFiles(dir: string, cluster: SimCluster, sshPort: number, backbone?: string): ClusterFiles {
  const clientKey = generateKey('runbook-sim client');
  const hostKeys = cluster.nodes.map((n) => generateKey(`root@${n.name}`));
  const keyFile = join(dir, 'id_cluster');
  rmSync(keyFile, { force: true });
  writeFileSync(keyFile, clientKey.private, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(`${keyFile}.pub`, clientKey.public + '\n');
  const knownHosts = join(dir, 'known_hosts');
  const hostKeyLine = (n: SimNode, addr: string): string => {
    const pub = hostKeys[n.index]!.public.split(' ').slice(0, 2).join(' ');
    return `[${addr}]:${sshPort} ${pub}\n`;
  };
  writeFileSync(knownHosts, cluster.nodes.map((n) => hostKeyLine(n, n.host) + hostKeyLine(n, n.fallback)).join(''));
  const hostsFile = join(dir, 'distributed_hosts.yaml');
  writeFileSync(hostsFile, hostsYaml(cluster, sshPort, backbone ?? cluster.coordinator.name));
  const socketPath = join(dir, 'tailscaled.sock');
  rmSync(socketPath, { force: true });
  return {
    hostsFile,
    socketPath,
    clientKey,
    hostKeys,
    addKnownHost: (n, addr) => {
      if (!readFileSync(knownHosts, 'utf8').includes(`[${addr}]:`)) appendFileSync(knownHosts, hostKeyLine(n, addr));
    },
  };
}

function hostsYaml(c: SimCluster, sshPort: number, backbone: string): string {
  const doc = {
    ssh: { user: SIM_USER, key_path: 'id_cluster', known_hosts: 'known_hosts', connect_timeout_s: 5 },
    ports: { ssh: sshPort, http_api: c.ports.http_api, p2p: c.ports.p2p, admin: c.ports.admin },
    service_dir: SIM_SERVICE_DIR,
    backbone,
    coordinator: c.coordinator.name,
    tailscale: { socket: 'tailscaled.sock' },
    voter_nodes: c.voters.map((v) => v.name),
    hosts: c.nodes.map((n) => ({
      name: n.name,
      host: n.host,
      fallback_host: n.fallback,
      tailscale_ip: n.host,
      provider: n.provider,
    })),
  };
  return '# Written by `runbook sim start`: a simulated cluster on loopback addresses.\n' + yaml.dump(doc, { lineWidth: 200 });
}

export interface SimInfo {
  controlUrl: string;
  pid: number;
  nodes: number;
  voters: number;
  seed: number;
  subnet: number;
  sshPort: number;
  hostsFile: string;
  socket: string;
  startedAt: string;
}

/** Writes DIR/sim.json, which tells `runbook sim fault|state` where the control API is. */
export function writeSimInfo(dir: string, info: SimInfo): void {
  writeFileSync(join(dir, 'sim.json'), JSON.stringify(info, null, 2) + '\n');
}

/** Reads DIR/sim.json of a running simulator; throws SimUsageError when there is none. */
export function readSimInfo(dir: string): { controlUrl: string; pid: number; nodes: number } {
  const file = join(dir, 'sim.json');
  if (!existsSync(file)) throw new SimUsageError(`no simulator running in ${dir} (missing ${file}); start one with: runbook sim start --out ${dir}`);
  return JSON.parse(readFileSync(file, 'utf8')) as { controlUrl: string; pid: number; nodes: number };
}
