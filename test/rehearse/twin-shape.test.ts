// The parts of a rehearsal that decide what the twin is and what may run on it: the simulator
// started with a given cluster shape (real servers), the twin plan of a hosts file, the loopback
// guard, the request checks (exit 2 material), the verdict and the table.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicy, loadCluster } from '../../src/config/loader.js';
import { assertLoopbackOnly, NotLoopbackError } from '../../src/rehearse/loopback-guard.js';
import { rehearsalPolicy, wouldAsk } from '../../src/rehearse/policy.js';
import { formatTable } from '../../src/rehearse/report.js';
import { casesFor, RehearseUsageError } from '../../src/rehearse/rehearse.js';
import type { CaseResult } from '../../src/rehearse/run-case.js';
import { ALL_SCENARIOS, MAJORITY_DOWN } from '../../src/rehearse/scenarios.js';
import { planTwin, TwinSpecError } from '../../src/rehearse/twin-spec.js';
import { judge } from '../../src/rehearse/verdict.js';
import { type SimulatorHandle, SimUsageError, startSimulator } from '../../src/sim/index.js';
import { subnet } from '../helpers/subnets.js';
import { getJson, ssh, tcpProbe } from '../sim/helpers.js';

const SEED_HOSTS = 'config/distributed_hosts.yaml';
const tmp = mkdtempSync(join(tmpdir(), 'twin-shape-'));
const sims: SimulatorHandle[] = [];
afterAll(async () => {
  for (const s of sims) await s.stop();
});

describe('the simulator started with a given cluster shape', () => {
  const shape = {
    nodes: [
      { name: 'coord-a', provider: 'nebius' as const, voter: true },
      { name: 'gpu.b', provider: 'unknown' as const, voter: false },
      { name: 'gpu_c', provider: 'vast' as const, voter: true },
      { name: 'gpu-d', provider: 'runpod' as const, voter: true },
    ],
    backbone: 'gpu_c',
  };

  it('has the given names in order, node 0 coordinates, the given voters elect, the hosts file says so', async () => {
    const sim = await startSimulator({ nodes: 4, shape, subnet: subnet('rehearse/twin-shape'), outDir: join(tmp, 'shape') });
    sims.push(sim);
    const s = sim.state();
    expect(s.nodes.map((n) => n.name)).toEqual(['coord-a', 'gpu.b', 'gpu_c', 'gpu-d']);
    expect(s.nodes.map((n) => n.role)).toEqual(['voter', 'worker', 'voter', 'voter']);
    expect(s.coordinator).toBe('coord-a');
    expect(['coord-a', 'gpu_c', 'gpu-d']).toContain(s.leader_id);
    expect(s.nodes[1]!.host).toBe(`127.${subnet('rehearse/twin-shape')}.0.2`);
    // Real HTTP on the node's own loopback address answers with the given name.
    const st = await getJson(`http://${s.nodes[2]!.host}:8770/status`);
    expect(st.body).toMatchObject({ node_id: 'gpu_c', total_peers: 4 });
    const file = loadCluster(sim.hostsFile);
    expect(file.backbone).toBe('gpu_c');
    expect(file.coordinator).toBe('coord-a');
    expect(file.voter_nodes).toEqual(['coord-a', 'gpu_c', 'gpu-d']);
    expect(file.hosts.map((h) => h.provider)).toEqual(['nebius', 'unknown', 'vast', 'runpod']);
    await sim.stop(); // the next test takes the same addresses
  });

  it('serves a given port layout: real HTTP on it, the hosts file says it, the shell sees it', async () => {
    const ports = { http_api: 9765, p2p: 9770, admin: 9001 };
    const sim = await startSimulator({ nodes: 4, shape, ports, subnet: subnet('rehearse/twin-shape'), outDir: join(tmp, 'ports') });
    sims.push(sim);
    const host = sim.state().nodes[1]!.host;
    expect((await getJson(`http://${host}:9770/status`)).body).toMatchObject({ node_id: 'gpu.b' });
    expect((await getJson(`http://${host}:9765/health`)).body).toMatchObject({ status: 'ok' });
    expect(await tcpProbe(host, 8770)).toBe('refused');
    expect(loadCluster(sim.hostsFile).hosts[1]!.ports).toEqual({ ssh: 2222, ...ports });
    const ss = await ssh(sim, host, 'ss -ltnp');
    expect(ss.stdout).toContain('0.0.0.0:9770');
    await sim.stop();
    await expect(startSimulator({ nodes: 4, shape, ports: { ...ports, admin: 9770 }, subnet: subnet('rehearse/twin-shape') })).rejects.toThrow(
      'ports.admin and p2p are both 9770',
    );
  });

  it('refuses shapes the model cannot run, naming the problem', async () => {
    const bad = async (o: Parameters<typeof startSimulator>[0]): Promise<void> => {
      await expect(startSimulator({ ...o, subnet: subnet('rehearse/twin-shape'), outDir: join(tmp, 'bad') })).rejects.toThrow(SimUsageError);
    };
    await bad({ nodes: 3, shape });
    await bad({ nodes: 2, shape: { nodes: [shape.nodes[0]!, { ...shape.nodes[1]!, name: 'coord-a' }] } });
    await bad({ nodes: 1, shape: { nodes: [{ name: 'a b', provider: 'vast', voter: true }] } });
    await bad({ nodes: 1, shape: { nodes: [{ name: 'a', provider: 'vast', voter: false }] } });
    await expect(startSimulator({ nodes: 1, shape: { nodes: [shape.nodes[0]!], backbone: 'nope' }, subnet: subnet('rehearse/twin-shape') })).rejects.toThrow(
      'backbone "nope" is not one of the nodes',
    );
  });
});

describe('the twin plan of a hosts file', () => {
  it('keeps names, voters, providers and backbone, the coordinator first, and says where ports differ', () => {
    const spec = loadCluster(SEED_HOSTS);
    const plan = planTwin(spec, 2222);
    expect(plan.shape.nodes.map((n) => n.name).sort()).toEqual(spec.hosts.map((h) => h.name).sort());
    expect(plan.shape.nodes[0]!.name).toBe(spec.coordinator);
    expect(plan.shape.nodes.filter((n) => n.voter).map((n) => n.name).sort()).toEqual([...spec.voter_nodes].sort());
    expect(Object.fromEntries(plan.shape.nodes.map((n) => [n.name, n.provider]))).toEqual(Object.fromEntries(spec.hosts.map((h) => [h.name, h.provider])));
    expect(plan.shape.backbone).toBe(spec.backbone);
    expect(plan.notes).toEqual(['SSH: configured port 22, the twin\'s nodes listen on 2222 (--ssh-port)']);
  });

  it('a coordinator that is not the first host still comes first; a file without voters cannot be twinned', () => {
    const doc = yaml.load(readFileSync(SEED_HOSTS, 'utf8')) as Record<string, unknown>;
    const moved = join(tmp, 'moved.yaml');
    writeFileSync(moved, yaml.dump({ ...doc, coordinator: 'vultr-a100-20gb', backbone: 'runpod-h100', ports: { ssh: 22, http_api: 9000 } }));
    const plan = planTwin(loadCluster(moved), 2222);
    expect(plan.shape.nodes[0]!.name).toBe('vultr-a100-20gb');
    expect(plan.shape.backbone).toBe('runpod-h100');
    // The file's own port layout, not the simulator's default.
    expect(plan.ports).toEqual({ http_api: 9000, p2p: 8770, admin: 8001 });
    expect(plan.notes).toEqual(["SSH: configured port 22, the twin's nodes listen on 2222 (--ssh-port)"]);
    expect(() => planTwin(loadCluster(moved), 9000)).toThrow('the twin\'s SSH port 9000 is the configured http_api port');
    const noVoters = join(tmp, 'no-voters.yaml');
    writeFileSync(noVoters, yaml.dump({ hosts: (doc as { hosts: unknown[] }).hosts }));
    expect(() => planTwin(loadCluster(noVoters), 2222)).toThrow(TwinSpecError);
  });
});

describe('the loopback guard', () => {
  it('refuses the real file, listing every address outside 127.0.0.0/8 and the real tailscale CLI', () => {
    const spec = loadCluster(SEED_HOSTS);
    let err: unknown;
    try {
      assertLoopbackOnly(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotLoopbackError);
    const offending = (err as NotLoopbackError).offending;
    expect(offending).toContain('nebius-backbone-1.host = 89.169.111.10');
    expect(offending).toContain('nebius-h100.fallback_host = 10.0.0.15');
    expect(offending.some((o) => o.startsWith('tailscale.cli'))).toBe(true);
  });

  it('passes a twin file, and refuses one whose single host is a hostname or an admin URL off loopback', () => {
    const file = join(tmp, 'twin.yaml');
    const twin = { hosts: [{ name: 'a', host: '127.97.0.1', fallback_host: '127.197.0.1' }], voter_nodes: ['a'], tailscale: { socket: 'ts.sock' } };
    writeFileSync(file, yaml.dump(twin));
    expect(() => assertLoopbackOnly(loadCluster(file))).not.toThrow();
    writeFileSync(file, yaml.dump({ ...twin, hosts: [{ name: 'a', host: 'localhost.example' }] }));
    expect(() => assertLoopbackOnly(loadCluster(file))).toThrow('a.host = localhost.example');
    writeFileSync(file, yaml.dump({ ...twin, admin_api: { transport: 'https', url: 'https://203.0.113.9:8001' } }));
    expect(() => assertLoopbackOnly(loadCluster(file))).toThrow('admin_api.url = https://203.0.113.9:8001');
  });
});

describe('what a request rehearses', () => {
  const policy = defaultPolicy();
  const nodes = new Set(['a', 'b']);

  it('defaults each procedure to the fault it fixes; refusals expect escalation or nothing changed', () => {
    expect(casesFor({ kind: 'procedure', procedure: 'repair-sync' }, policy, nodes)[0]!.scenario).toMatchObject({ fault: 'sync-stalled', target: 'cluster', expect: 'healed' });
    expect(casesFor({ kind: 'procedure', procedure: 'restart-p2p', fault: 'host-down', node: 'b' }, policy, nodes)[0]).toMatchObject({
      node: 'b',
      scenario: { fault: 'host-down', expect: 'escalated' },
    });
    expect(casesFor({ kind: 'incident', alertname: 'ClusterHealthCritical' }, policy, nodes)[0]!.scenario.expect).toBe('escalated');
    expect(casesFor({ kind: 'incident', alertname: 'NodeEvicted' }, policy, nodes)[0]!.scenario.fault).toBe('partition');
    expect(casesFor({ kind: 'monitor', fault: 'blind-to-worker' }, policy, nodes)[0]!.scenario.expect).toBe('untouched');
    const all = casesFor({ kind: 'all' }, policy, nodes).map((c) => c.scenario);
    expect(all).toEqual(ALL_SCENARIOS);
    expect(all.filter((s) => s.expect !== 'healed').map((s) => s.fault)).toEqual(expect.arrayContaining(['host-down', MAJORITY_DOWN, 'blind-to-worker']));
  });

  it('refuses unknown procedures, faults, nodes and alerts with a message naming the choices', () => {
    expect(() => casesFor({ kind: 'procedure', procedure: 'reboot' }, policy, nodes)).toThrow(/unknown procedure "reboot"; one of: diagnose/);
    expect(() => casesFor({ kind: 'procedure', procedure: 'restart-p2p', fault: 'gremlins' }, policy, nodes)).toThrow(/unknown fault "gremlins"; one of: p2p-down/);
    expect(() => casesFor({ kind: 'procedure', procedure: 'restart-p2p', node: 'zz' }, policy, nodes)).toThrow('node "zz" is not in the hosts file; one of: a, b');
    expect(() => casesFor({ kind: 'incident', alertname: 'Nope' }, policy, nodes)).toThrow(RehearseUsageError);
    expect(() => casesFor({ kind: 'monitor', fault: 'leader-lost', node: 'a' }, policy, nodes)).toThrow('--node applies to a node fault');
  });
});

describe('the rehearsal policy', () => {
  it('keeps modes and counts, scales only the waiting windows, and pages nobody', () => {
    const configured = { ...defaultPolicy(), notifications: [{ kind: 'log' as const, name: 'log' }, { kind: 'slack' as const, name: 'ops', urlEnv: 'X' }] };
    const r = rehearsalPolicy(configured, 0.01);
    expect(r.policy.approval).toEqual(configured.approval);
    expect(r.policy.maxNodesRemediated).toBe(configured.maxNodesRemediated);
    expect(r.policy.escalation.unreachableFraction).toBe(configured.escalation.unreachableFraction);
    expect(r.policy.escalation.leaderlessMs).toBe(configured.escalation.leaderlessMs);
    expect(r.policy.escalation.syncStallMs).toBe(6000);
    expect(r.policy.notifications).toEqual([{ kind: 'log', name: 'rehearsal' }]);
    expect(r.silenced).toEqual(['slack:ops']);
    expect(wouldAsk({ ...configured, approvers: { high: ['U1', 'U2'] } } as never, 'high')).toBe('U1, U2');
  });
});

describe('the verdict and the table', () => {
  const healthy = { faults: [], leader: 'a', commands: 2 };
  it('healed needs a completed run and a healthy twin; escalated and untouched need no command and the fault still there', () => {
    expect(judge('healed', 'completed', healthy)).toEqual({ healed: true, asExpected: true });
    expect(judge('healed', 'completed', { ...healthy, faults: ['b:p2p-down'] }).asExpected).toBe(false);
    expect(judge('healed', 'escalated', healthy).asExpected).toBe(false);
    expect(judge('escalated', 'escalated', { faults: ['b:host-down'], leader: 'a', commands: 0 }).asExpected).toBe(true);
    expect(judge('escalated', 'escalated', { faults: ['b:host-down'], leader: 'a', commands: 1 }).reason).toMatch(/1 command/);
    expect(judge('untouched', 'completed', { faults: ['b:blind-to-worker'], leader: 'a', commands: 0 }).asExpected).toBe(true);
    expect(judge('untouched', 'timed-out', { faults: ['b:blind-to-worker'], leader: 'a', commands: 0 }).asExpected).toBe(false);
  });

  it('prints one row per case with the columns the runbook team reads', () => {
    const row = (o: Partial<CaseResult>): CaseResult =>
      ({ fault: 'p2p-down', target: 'b', procedure: 'restart-p2p', expect: 'healed', status: 'completed', healed: true, asExpected: true, steps: 8, approvals: [], commands: [], ms: 7200, workflows: [], faultsAfter: [], ...o }) as CaseResult;
    const table = formatTable([row({}), row({ fault: 'host-down', expect: 'escalated', status: 'completed', healed: false, asExpected: false, ms: 1000 })]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^fault\s+procedure\s+outcome\s+steps\s+approvals\s+time$/);
    expect(lines[2]).toMatch(/^p2p-down\s+restart-p2p\s+ok: healed\s+8\s+0\s+7\.2 s$/);
    expect(lines[3]).toMatch(/^host-down\s+restart-p2p\s+NOT OK: completed, untouched \(expected escalated\)/);
    expect(lines.at(-1)).toBe('1/2 as the runbook promises');
  });
});
