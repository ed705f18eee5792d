// The simulator's tools for untrusted answers (docs/reference/simulator.md): /status overrides (a
// stale or hostile daemon) through the control API, and the slow-primary fault. Subnet 74.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { getJson } from './helpers.js';
import { subnet } from '../helpers/subnets.js';

let sim: SimulatorHandle;

beforeAll(async () => {
  sim = await startSimulator({ nodes: 3, voters: 3, subnet: subnet('sim/status-override'), timeScale: 0.05, slowPrimaryMs: 1500 });
});
afterAll(async () => {
  await sim?.stop();
});

const node = () => sim.state().nodes[1]!;
const control = (body: unknown) =>
  getJson(`${sim.controlUrl}/status-override`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('status overrides', () => {
  it('merges fields over /status on both addresses until cleared, through the control API', async () => {
    const n = node();
    expect((await control({ node: n.name, fields: { leader_id: '<b>stale</b>', alive_peers: 1 } })).status).toBe(200);
    for (const addr of [n.host, n.fallback_host]) {
      const s = (await getJson(`http://${addr}:8770/status`)).body;
      expect(s).toMatchObject({ node_id: n.name, leader_id: '<b>stale</b>', alive_peers: 1, status: 'running' });
    }
    expect(node().status_override).toEqual(['leader_id', 'alive_peers']);
    // The cluster's own state is not what the node claims.
    expect(sim.state().leader_id).not.toBe('<b>stale</b>');

    expect((await control({ node: n.name, fields: null })).status).toBe(200);
    expect((await getJson(`http://${n.host}:8770/status`)).body.leader_id).toBe(sim.state().leader_id);
    expect(node().status_override).toEqual([]);
  });

  it('refuses a bad body or an unknown node with 400', async () => {
    expect((await control({ node: node().name, fields: ['x'] })).status).toBe(400);
    expect((await control({ fields: {} })).status).toBe(400);
    expect((await control({ node: 'ghost', fields: {} })).status).toBe(400);
  });
});

describe('slow-primary', () => {
  it('answers late on the primary only: the fallback, asked second, answers first', async () => {
    const n = node();
    sim.fault(n.name, 'slow-primary');
    try {
      expect(node().faults).toEqual(['slow-primary']);
      const order: string[] = [];
      const ask = (via: string, addr: string) => getJson(`http://${addr}:8765/health`).then((r) => order.push(`${via} ${r.status}`));
      const primary = ask('primary', n.host);
      await ask('fallback', n.fallback_host);
      await primary;
      expect(order).toEqual(['fallback 200', 'primary 200']);
    } finally {
      sim.fault(n.name, 'slow-primary', { clear: true });
    }
  });
});
