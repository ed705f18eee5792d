// `sim fault <node> rogue-peer` (docs/reference/simulator.md): another online tailnet device whose
// self-chosen HostName is the node's name, on its own address. The LocalAPI and `tailscale
// status` over SSH show it; update-hosts' detection must not take its address. Subnet 71.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { loadCluster } from '../../src/config/loader.js';
import { type SimulatorHandle, SimUsageError, startSimulator } from '../../src/sim/index.js';
import { fastPolicy, runActivity } from '../activities/helpers.js';
import { ssh } from './helpers.js';
import { subnet } from '../helpers/subnets.js';

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ nodes: 5, voters: 3, subnet: subnet('sim/rogue-peer'), timeScale: 0.05, seed: 3, adminKey: 'rogue-test-key' });
});
afterAll(async () => {
  await sim?.stop();
});

interface Peer {
  HostName: string;
  DNSName: string;
  Online: boolean;
  TailscaleIPs: string[];
}

function localApi(): Promise<{ MagicDNSSuffix: string; Peer: Record<string, Peer> }> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: sim.socketPath, path: '/localapi/v0/status', headers: { host: 'local-tailscaled.sock' } }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(JSON.parse(b)));
      })
      .on('error', reject);
  });
}

const worker = (i: number) => sim.state().nodes.filter((n) => n.role === 'worker')[i]!;
const faultsOf = (name: string) => sim.state().nodes.find((n) => n.name === name)!.faults;

describe('rogue-peer', () => {
  it('adds an online device named like the node, listed first, on another address', async () => {
    const w = worker(0);
    sim.fault(w.name, 'rogue-peer');
    expect(faultsOf(w.name)).toEqual(['rogue-peer']);
    const status = await localApi();
    const [first] = Object.values(status.Peer);
    expect(first).toMatchObject({ HostName: w.name, DNSName: `${w.name}-1.${status.MagicDNSSuffix}.`, Online: true });
    expect(first!.TailscaleIPs).toEqual([expect.stringMatching(/^127\.71\.255\.\d+$/)]);
    expect(first!.TailscaleIPs).not.toContain(w.host);
    // The real node is still there under its own MagicDNS name and address.
    const real = Object.values(status.Peer).filter((p) => p.DNSName === `${w.name}.${status.MagicDNSSuffix}.`);
    expect(real).toEqual([expect.objectContaining({ HostName: w.name, TailscaleIPs: [w.host], Online: true })]);
    sim.fault(w.name, 'rogue-peer', { clear: true });
    expect(faultsOf(w.name)).toEqual([]);
    expect(Object.values((await localApi()).Peer).filter((p) => p.HostName === w.name)).toHaveLength(1);
  });

  it('shows in `tailscale status` on every node, text and JSON', async () => {
    const w = worker(1);
    sim.fault(w.name, 'rogue-peer');
    try {
      const other = sim.state().nodes[0]!;
      const text = await ssh(sim, other.host, 'tailscale status');
      expect(text.stdout).toMatch(new RegExp(`^127\\.71\\.255\\.\\d+ +${w.name}-1 `, 'm'));
      const json = JSON.parse((await ssh(sim, other.host, 'tailscale status --json')).stdout) as { Peer: Record<string, Peer> };
      expect(Object.values(json.Peer).filter((p) => p.HostName === w.name)).toHaveLength(2);
    } finally {
      sim.fault(w.name, 'rogue-peer', { clear: true });
    }
  });

  it('is a node fault: "cluster" is refused', () => {
    expect(() => sim.fault('cluster', 'rogue-peer')).toThrow(SimUsageError);
  });

  it('update-hosts detection proposes no change and names the contested node', async () => {
    const [offline, moved] = [worker(0), worker(1)];
    // The case: the real node is offline and the impostor is online.
    sim.fault(offline.name, 'tailscale-down');
    sim.fault(offline.name, 'rogue-peer');
    sim.fault(moved.name, 'ip-changed');
    try {
      const acts = createActivities({ cluster: () => loadCluster(sim.hostsFile), policy: fastPolicy(), hostsFile: sim.hostsFile });
      const { result } = await runActivity(() => acts.detectAddressChanges({}));
      const movedTo = sim.state().nodes.find((n) => n.name === moved.name)!.moved_to!;
      // The genuinely moved node is still found by its MagicDNS name.
      expect(result.changes).toEqual([{ node: moved.name, from: moved.host, to: movedTo }]);
      expect(result.conflicts).toEqual([
        {
          node: offline.name,
          peers: [expect.stringContaining(`, ${offline.host}, offline)`), expect.stringMatching(/, 127\.71\.255\.\d+, online\)$/)],
        },
      ]);
    } finally {
      sim.fault(offline.name, 'tailscale-down', { clear: true });
      sim.fault(offline.name, 'rogue-peer', { clear: true });
      sim.fault(moved.name, 'ip-changed', { clear: true });
    }
  });

  // A device picks its own HostName: matching on it would take whichever device calls itself
  // the node's name. Here the config calls a node otherwise than its device does (a machine
  // whose hostname is not its cluster name), while an impostor calls itself the node's name:
  // the node is still its device, found by address, and the impostor is nobody's.
  it('matches a node by address or MagicDNS name, never by HostName: a device named otherwise is still the node', async () => {
    const node = worker(0);
    const renamed = `${node.name}-box`;
    sim.fault(node.name, 'rogue-peer');
    const config = join(dirname(sim.hostsFile), 'renamed-hosts.yaml');
    const source = readFileSync(sim.hostsFile, 'utf8');
    const patched = source.replace(new RegExp(`(name:\\s*["']?)${node.name}(["']?\\s*$)`, 'm'), `$1${renamed}$2`);
    expect(patched, 'the node was renamed in the copy').not.toBe(source);
    writeFileSync(config, patched);
    try {
      const acts = createActivities({ cluster: () => loadCluster(config), policy: fastPolicy(), hostsFile: config });
      const { result } = await runActivity(() => acts.tailscaleStatus({}));
      const device = sim.state().nodes.find((n) => n.name === node.name)!;
      expect(result.peers.find((p) => p.name === renamed), 'the renamed node matched to its own device').toMatchObject({ ips: [device.host] });
      expect(result.conflicts ?? []).toEqual([]);
    } finally {
      rmSync(config, { force: true });
      sim.fault(node.name, 'rogue-peer', { clear: true });
    }
  });
});
