// Where a `curl` run on one node lands, on the model alone (no sockets): the SSH port speaks SSH
// (curl's "not HTTP"), the network in between still times out or resets first, and
// blind-to-worker changes nothing inside the cluster. End to end: blind-to-worker.test.ts.
import { describe, expect, it } from 'vitest';
import { SimCluster } from '../../src/sim/cluster.js';
import { SIM_PORTS } from '../../src/sim/http-api.js';
import { type AddressOwner, routeFromNode } from '../../src/sim/in-cluster-route.js';
import type { SimNode } from '../../src/sim/state-types.js';
import { layoutCluster } from '../../src/sim/topology.js';
import { subnet } from '../helpers/subnets.js';

const SSH = 2222;
const NET = subnet('sim/in-cluster-route');

function world() {
  const c = new SimCluster({ layout: layoutCluster({ nodes: 4, voters: 3, seed: 1, subnet: NET }), subnet: NET, timeScale: 1, daemonStartMs: 1500, serviceDir: '~/svc' });
  const owners = new Map<string, AddressOwner>();
  for (const n of c.nodes) {
    owners.set(n.host, { node: n, via: 'primary' });
    owners.set(n.fallback, { node: n, via: 'fallback' });
  }
  const api = { cluster: c, adminKey: 'k' };
  const curl = (from: SimNode, host: string, port: number, path = '/status') =>
    routeFromNode(c, api, (a) => owners.get(a), from, SSH, { host, port, method: 'GET', path, headers: {}, command: 'curl' });
  return { c, curl, from: c.nodes[1]!, target: c.nodes[2]! };
}

describe('in-cluster route', () => {
  it('the SSH port connects and speaks SSH, by address, by name and on the node itself', () => {
    const { curl, from, target } = world();
    expect(curl(from, target.host, SSH)).toEqual({ kind: 'not-http' });
    expect(curl(from, target.fallback, SSH)).toEqual({ kind: 'not-http' });
    expect(curl(from, target.name, SSH)).toEqual({ kind: 'not-http' });
    expect(curl(from, 'localhost', SSH)).toEqual({ kind: 'not-http' });
    // Every other unopened port still refuses.
    expect(curl(from, target.host, 2223)).toEqual({ kind: 'refused' });
  });

  it('the SSH port behind host-down or a partition times out; behind a Tailscale-down primary it resets', () => {
    const { c, curl, from, target } = world();
    c.fault(target.name, 'host-down');
    expect(curl(from, target.host, SSH)).toEqual({ kind: 'timeout' });
    c.fault(target.name, 'host-down', { clear: true });
    c.fault(target.name, 'partition');
    expect(curl(from, target.host, SSH)).toEqual({ kind: 'timeout' });
    c.fault(target.name, 'partition', { clear: true });
    c.fault(target.name, 'tailscale-down');
    expect(curl(from, target.host, SSH)).toEqual({ kind: 'reset' });
    expect(curl(from, target.fallback, SSH)).toEqual({ kind: 'not-http' });
  });

  it('blind-to-worker: P2P and health answer a peer as before, a stopped daemon still refuses', () => {
    const { c, curl, from, target } = world();
    c.fault(target.name, 'blind-to-worker');
    const p2p = curl(from, target.host, SIM_PORTS.p2p);
    expect(p2p).toMatchObject({ kind: 'ok', response: { status: 200 } });
    expect(JSON.parse((p2p as { response: { body: string } }).response.body)).toMatchObject({ node_id: target.name, alive_peers: 4 });
    expect(curl(from, target.fallback, SIM_PORTS.http_api, '/health')).toMatchObject({ kind: 'ok', response: { status: 200 } });
    c.fault(target.name, 'p2p-down');
    expect(curl(from, target.host, SIM_PORTS.p2p)).toEqual({ kind: 'refused' });
    expect(c.state().nodes[2]!.faults).toEqual(['p2p-down', 'blind-to-worker']);
  });
});
