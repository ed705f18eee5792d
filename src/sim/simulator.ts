// startSimulator(): lays out the cluster and wires its parts together: the model (cluster.ts),
// the files it writes (cluster-files.ts), every node's servers (node-network.ts), the shell
// behind SSH (shell/), the hosts-file watcher (§4.6) and the control API and LocalAPI.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SimCluster } from './cluster.js';
import { SIM_SERVICE_DIR, SIM_USER, writeClusterFiles, writeSimInfo } from './cluster-files.js';
import { createControlServer, createLocalApiServer, listenHttp } from './control-api.js';
import type { FaultKind } from './faults.js';
import { HostsFileWatcher } from './hosts-watcher.js';
import { routeFromNode } from './in-cluster-route.js';
import { NodeNetwork } from './node-network.js';
import { type SimulatorOptions, validateOptions } from './options.js';
import { Shell } from './shell/interp.js';
import type { ShellWorld } from './shell/types.js';
import { SimClock } from './sim-clock.js';
import { parseClientKey } from './ssh-server.js';
import type { SimState } from './state-types.js';
import { statusJson, statusText, type TailnetInfo } from './tailscale.js';
import { layoutCluster, layoutShape } from './topology.js';


export interface SimulatorHandle {
  dir: string;
  hostsFile: string;
  controlUrl: string;
  socketPath: string;
  state(): SimState;
  fault(target: string, kind: FaultKind | string, opts?: { clear?: boolean }): void;
  /** Fields merged over a node's `/status` answer (null clears); see SimCluster.overrideStatus. */
  overrideStatus(node: string, fields: Record<string, unknown> | null): void;
  stop(): Promise<void>;
  /** The model, for tests that need to look closer. */
  readonly cluster: SimCluster;
}

export async function startSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const o = validateOptions(options);
  const dir = resolve(o.outDir ?? join(tmpdir(), `runbook-sim-${process.pid}-${Date.now()}`));
  mkdirSync(dir, { recursive: true });
  const cluster = new SimCluster({
    layout: o.shape !== undefined ? layoutShape(o.shape.nodes, o.subnet) : layoutCluster(o),
    subnet: o.subnet,
    timeScale: o.timeScale,
    daemonStartMs: o.daemonStartMs,
    serviceDir: SIM_SERVICE_DIR,
    ...(o.ports !== undefined && { ports: o.ports }),
    ...(o.syncMs !== undefined && { syncMs: o.syncMs }),
    ...(o.flapAfterMs !== undefined && { flapAfterMs: o.flapAfterMs }),
  });
  const tailnet: TailnetInfo = {
    suffix: `tailnet-${createHash('sha256').update(`${o.seed}/${o.subnet}`).digest('hex').slice(0, 4)}.ts.net`,
    name: 'ringrift.example',
  };
  const files = writeClusterFiles(dir, cluster, o.sshPort, o.shape?.backbone);
  const clock = new SimClock();
  const api = { cluster, adminKey: o.adminKey };

  // The shell reaches the network through `network`, which needs the shell for its SSH servers.
  const world: ShellWorld = {
    cluster,
    timeScale: o.timeScale,
    sshPort: o.sshPort,
    tailscaleJson: (self) => statusJson(cluster, self, tailnet),
    tailscaleText: (self) => statusText(cluster, self),
    request: (from, host, port, method, path, headers, command) =>
      routeFromNode(cluster, api, (addr) => network.ownerOf(addr), from, o.sshPort, { host, port, method, path, headers, command }),
    dropPrimarySessions: (n) => network.dropPrimarySessions(n),
    detach: (job) => clock.detach(job),
    sleep: (ms) => clock.sleep(ms),
  };
  const network = new NodeNetwork({
    cluster,
    api,
    shell: new Shell(world),
    sshUser: SIM_USER,
    sshPort: o.sshPort,
    subnet: o.subnet,
    slowPrimaryMs: o.slowPrimaryMs,
    clientKey: parseClientKey(files.clientKey.public),
    hostKeys: files.hostKeys.map((k) => k.private),
    sleep: (ms) => clock.sleep(ms),
  });
  const watcher = new HostsFileWatcher(cluster, files.hostsFile);
  cluster.on('address', (n, _from, to) => {
    files.addKnownHost(n, to);
    watcher.start();
  });
  const localApi = createLocalApiServer(() => statusJson(cluster, cluster.coordinator, tailnet));
  const control = createControlServer(cluster);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    cluster.stop();
    watcher.stop();
    clock.stop();
    const closed = network.close();
    await Promise.all([closed, closeHttp(localApi), closeHttp(control)]);
    rmSync(files.socketPath, { force: true });
    rmSync(join(dir, 'sim.json'), { force: true });
  };

  let controlUrl: string;
  try {
    await network.bindAll();
    await listenHttp(localApi, files.socketPath);
    const addr = (await listenHttp(control, { host: '127.0.0.1', port: 0 })) as AddressInfo;
    controlUrl = `http://127.0.0.1:${addr.port}`;
  } catch (e) {
    await stop();
    throw e;
  }
  writeSimInfo(dir, {
    controlUrl,
    pid: process.pid,
    nodes: o.nodes,
    voters: o.voters,
    seed: o.seed,
    subnet: o.subnet,
    sshPort: o.sshPort,
    hostsFile: files.hostsFile,
    socket: files.socketPath,
    startedAt: new Date(cluster.startedAt).toISOString(),
  });

  return {
    dir,
    hostsFile: files.hostsFile,
    controlUrl,
    socketPath: files.socketPath,
    cluster,
    state: () => cluster.state(),
    fault: (target, kind, opts) => cluster.fault(target, kind, opts),
    overrideStatus: (node, fields) => cluster.overrideStatus(node, fields),
    stop,
  };
}

function closeHttp(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}
