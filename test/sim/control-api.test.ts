// The control API and LocalAPI as pure handlers, in process (no sockets), on the model alone.
// The same routes over HTTP are covered by cli.test.ts and status-override.test.ts; what the
// HTTP server refuses before the handler (types a web page can send, big bodies) is tested here
// on a control server of its own (127.0.0.1, a free port).
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SimCluster } from '../../src/sim/cluster.js';
import { CONTROL_BODY_LIMIT, createControlServer, handleControl, handleLocalApi, listenHttp } from '../../src/sim/control-api.js';
import type { SimState } from '../../src/sim/state-types.js';
import { layoutCluster } from '../../src/sim/topology.js';

function cluster(): SimCluster {
  return new SimCluster({ layout: layoutCluster({ nodes: 3, voters: 3, seed: 1, subnet: 96 }), subnet: 96, timeScale: 1, daemonStartMs: 1500, serviceDir: '~/svc' });
}

describe('control API handler', () => {
  it('GET /state is the state contract; POST /fault sets and clears a fault', () => {
    const c = cluster();
    const node = c.nodes[1]!.name;
    const state = handleControl(c, 'GET', '/state', '');
    expect(state.status).toBe(200);
    expect((state.data as SimState).nodes).toHaveLength(3);
    expect(handleControl(c, 'POST', '/fault', JSON.stringify({ target: node, kind: 'p2p-down' }))).toEqual({ status: 200, data: { ok: true } });
    expect(c.state().nodes[1]!.faults).toEqual(['p2p-down']);
    handleControl(c, 'POST', '/fault', JSON.stringify({ target: node, kind: 'p2p-down', clear: true }));
    expect(c.state().nodes[1]!.faults).toEqual([]);
  });

  it('bad requests are 400 with a message naming what was wrong; unknown routes 404', () => {
    const c = cluster();
    expect(handleControl(c, 'POST', '/fault', JSON.stringify({ target: 'cluster', kind: 'melted' }))).toMatchObject({
      status: 400,
      data: { error: expect.stringMatching(/unknown fault "melted"/) },
    });
    expect(handleControl(c, 'POST', '/fault', '{"kind": "p2p-down"}')).toMatchObject({ status: 400, data: { error: 'body needs {"target", "kind"}' } });
    expect(handleControl(c, 'POST', '/status-override', '{"node": "x", "fields": [1]}').status).toBe(400);
    expect(handleControl(c, 'POST', '/status-override', '{"node": "nope", "fields": null}')).toMatchObject({ status: 400, data: { error: expect.stringMatching(/unknown node "nope"/) } });
    expect(handleControl(c, 'POST', '/fault', '{not json').status).toBe(500);
    expect(handleControl(c, 'GET', '/nope', '')).toEqual({ status: 404, data: { error: 'not found' } });
  });

  it('POST /status-override merges and clears, and the state lists the field names', () => {
    const c = cluster();
    const node = c.nodes[2]!.name;
    handleControl(c, 'POST', '/status-override', JSON.stringify({ node, fields: { leader_id: 'stale' } }));
    expect(c.state().nodes[2]!.status_override).toEqual(['leader_id']);
    handleControl(c, 'POST', '/status-override', JSON.stringify({ node, fields: null }));
    expect(c.state().nodes[2]!.status_override).toEqual([]);
  });
});

describe('LocalAPI handler', () => {
  it('answers /localapi/v0/status (query ignored) and 404s the rest as tailscaled does', () => {
    const ok = handleLocalApi('GET', '/localapi/v0/status?peers=true', () => ({ BackendState: 'Running' }));
    expect(ok).toMatchObject({ status: 200, contentType: 'application/json' });
    expect(JSON.parse(ok.body)).toEqual({ BackendState: 'Running' });
    expect(handleLocalApi('POST', '/localapi/v0/status', () => ({}))).toEqual({ status: 404, contentType: 'text/plain', body: '404 page not found\n' });
  });
});

describe('typed cluster events', () => {
  it('a fault announces the node whose sockets must change', () => {
    const c = cluster();
    const seen: string[] = [];
    c.on('daemon', (n) => seen.push(`daemon ${n.name} ${n.daemon}`));
    c.on('address', (n, from, to) => seen.push(`address ${n.name} ${from}->${to}`));
    const n = c.nodes[1]!;
    c.fault(n.name, 'p2p-down');
    c.fault(n.name, 'ip-changed');
    expect(seen).toEqual([`daemon ${n.name} stopped`, `address ${n.name} ${n.host}->127.146.0.2`]);
  });
});

describe('control API over HTTP', () => {
  async function withServer(fn: (url: string, c: SimCluster) => Promise<void>): Promise<void> {
    const c = cluster();
    const server = createControlServer(c);
    const addr = (await listenHttp(server, { host: '127.0.0.1', port: 0 })) as AddressInfo;
    try {
      await fn(`http://127.0.0.1:${addr.port}`, c);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }
  const faults = (c: SimCluster): string[] => c.state().nodes.flatMap((n) => n.faults);

  it('takes a fault only as application/json: a web page\'s text/plain or form POST injects nothing', () =>
    withServer(async (url, c) => {
      const node = c.state().nodes[0]!.name;
      const body = JSON.stringify({ target: node, kind: 'p2p-down' });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
        const r = await fetch(`${url}/fault`, { method: 'POST', body, headers: type ? { 'content-type': type } : {} });
        expect(r.status, type).toBe(415);
        expect(((await r.json()) as { error: string }).error).toMatch(/content-type must be application\/json/);
      }
      expect(faults(c)).toEqual([]);
      const ok = await fetch(`${url}/fault`, { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8' } });
      expect(ok.status).toBe(200);
      expect(faults(c)).toEqual(['p2p-down']);
      expect((await fetch(`${url}/state`)).status).toBe(200);
    }));

  it('caps the body, declared or streamed', () =>
    withServer(async (url, c) => {
      const big = JSON.stringify({ target: 'cluster', kind: 'sync-stalled', pad: 'x'.repeat(CONTROL_BODY_LIMIT) });
      const declared = await fetch(`${url}/fault`, { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
      expect(declared.status).toBe(413);
      const stream = new ReadableStream({
        start(ctl) {
          ctl.enqueue(new TextEncoder().encode(big));
          ctl.close();
        },
      });
      const chunked = await fetch(`${url}/fault`, { method: 'POST', body: stream, duplex: 'half', headers: { 'content-type': 'application/json' } } as RequestInit);
      expect(chunked.status).toBe(413);
      expect(c.state().cluster_faults).toEqual([]);
    }));
});
