// A real SimCluster (the model: no sockets) with a shell whose world is a fake: HTTP answers
// come from a stub, sleeps are recorded and end at once. For the command groups' unit tests;
// the end-to-end ones over real SSH are in ../shell.test.ts. Subnet 95 (a label only here).
import { SimCluster } from '../../../src/sim/cluster.js';
import { SIM_SERVICE_DIR } from '../../../src/sim/cluster-files.js';
import { Shell } from '../../../src/sim/shell/interp.js';
import { newSession } from '../../../src/sim/shell/session.js';
import type { Reach, Session, ShellWorld } from '../../../src/sim/shell/types.js';
import type { SimNode } from '../../../src/sim/state-types.js';
import { layoutCluster } from '../../../src/sim/topology.js';

export interface Sent {
  from: string;
  host: string;
  port: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  command: string;
}

export interface TestShell {
  cluster: SimCluster;
  shell: Shell;
  /** Every sleep the shell asked for, in ms (already scaled). */
  slept: number[];
  /** Every HTTP request `curl` sent. */
  sent: Sent[];
  /** Nodes whose primary sessions `tailscale down` dropped. */
  dropped: string[];
  /** What the next `curl` gets; default a 200 with body "{}". */
  reach: Reach;
  node(i: number): SimNode;
  run(script: string, o?: { node?: number; via?: Session['via']; stdin?: string | (() => Promise<string>); session?: Session }): Promise<Ran>;
}

export interface Ran {
  code: number;
  out: string;
  err: string;
  session: Session;
}

export const TIME_SCALE = 0.5;

export function testShell(nodes = 4): TestShell {
  const cluster = new SimCluster({
    layout: layoutCluster({ nodes, voters: Math.min(3, nodes), seed: 1, subnet: 95 }),
    subnet: 95,
    timeScale: TIME_SCALE,
    daemonStartMs: 1500,
    serviceDir: SIM_SERVICE_DIR,
  });
  const t: TestShell = {
    cluster,
    slept: [],
    sent: [],
    dropped: [],
    reach: { kind: 'ok', response: { status: 200, body: '{}', contentType: 'application/json' } },
    node: (i) => cluster.nodes[i]!,
    shell: undefined as unknown as Shell,
    async run(script, o = {}) {
      const session = o.session ?? newSession(cluster.nodes[o.node ?? 1]!, o.via ?? 'fallback');
      let out = '';
      let err = '';
      const code = await t.shell.run(script, session, { write: (s) => void (out += s) }, { write: (s) => void (err += s) }, o.stdin ?? '');
      return { code, out, err, session };
    },
  };
  const world: ShellWorld = {
    cluster,
    timeScale: TIME_SCALE,
    sshPort: 2222,
    tailscaleJson: (self) => ({ Self: { HostName: self.name } }),
    tailscaleText: (self) => (self.tailscaleUp ? `${self.host}  ${self.name}  ops@  linux  -\n` : null),
    request: (from, host, port, method, path, headers, command) => {
      t.sent.push({ from: from.name, host, port, method, path, headers, command });
      return t.reach;
    },
    dropPrimarySessions: (n) => void t.dropped.push(n.name),
    detach: () => undefined,
    sleep: (ms) => {
      t.slept.push(ms);
      return Promise.resolve();
    },
  };
  t.shell = new Shell(world);
  return t;
}
