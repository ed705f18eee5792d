// One registry of the loopback subnets tests use, so two files that may run at
// the same time never share an address. A simulated cluster on subnet S takes three /16s:
// 127.S (primary), 127.S+100 (fallback, §5.4) and 127.S+50 (where `ip-changed` moves a node).
// Tests that bind raw addresses (activity servers) take only their own 127.S.
// A new test file takes a free number here (test/helpers/subnets.test.ts checks for overlaps)
// and calls `subnet('<its key>')` instead of writing the number.

export type SubnetUse = 'sim' | 'raw';

interface Entry {
  readonly subnet: number;
  readonly use: SubnetUse;
  /** The file injects `ip-changed`, so its cluster also takes 127.S+50. */
  readonly ipChanged?: boolean;
}

const sim = (subnet: number, o: { ipChanged?: boolean } = {}): Entry => ({ subnet, use: 'sim', ...o });
const raw = (subnet: number): Entry => ({ subnet, use: 'raw' });
const IP_CHANGED = { ipChanged: true };

/** Keyed by the test file (under test/, without `.test.ts`) or helper that uses it. */
export const SUBNETS = {
  'sim/shell': sim(11),
  'sim/shell#second': sim(10),
  'sim/faults': sim(12, IP_CHANGED),
  'sim/scale': sim(13),
  'sim/cli': sim(14),
  'sim/blind-to-worker': sim(38),
  'activities/probe': raw(41),
  'activities/ssh': raw(42),
  'activities/routing': raw(43),
  'activities/wait': raw(45),
  'activities/helpers': raw(49),
  'workflows/diagnose': sim(50, IP_CHANGED),
  'workflows/procedures': sim(51, IP_CHANGED),
  'workflows/force-election': sim(52),
  'workflows/approvals': sim(53),
  'workflows/approval-timeout': sim(54),
  'workflows/safety': sim(55),
  'cli/operator-flow': sim(56),
  'fixtures/record-histories': sim(57, IP_CHANGED),
  'ui/web-ui': sim(59),
  'activities/admin': sim(60),
  'workflows/admin-outage': sim(61),
  'sim/admin-api': sim(62),
  'workflows/ssh-safety': sim(63),
  'activities/ssh-stall': sim(64),
  'workflows/blast-radius-cluster': sim(66),
  'workflows/update-hosts-rogue': sim(70, IP_CHANGED),
  'sim/rogue-peer': sim(71, IP_CHANGED),
  'workflows/untrusted-input': sim(73),
  'sim/status-override': sim(74),
  'workflows/unreachable-guard': sim(76),
  'fixtures/record-human-histories': sim(77),
  'fixtures/record-postmortem-histories': sim(69),
  'cli/postmortem': sim(72),
  'fixtures/record-incident-history': sim(68),
  'webhook/cluster-incident': sim(65),
  'webhook/still-firing': sim(67),
  'prod/connect-tls': sim(80),
  'prod/worker-process': sim(81),
  'realnode/catalog': sim(83),
  'realnode/procedures': sim(84),
  'realnode/sigterm': sim(85),
  'helpers/real-node': raw(86),
  'webhook/incident-e2e': sim(15),
  'webhook/intake': raw(16),
  'sim/metrics': sim(17),
  'alerting/alertmanager-loop': sim(18),
  'cli/dev-alerting': sim(19),
  'cli/dev-alerting#missing-binaries': sim(22),
  'workflows/health-monitor': sim(23),
  'workflows/health-monitor#receiver': raw(24),
  'workflows/health-monitor-heal': sim(46),
  'activities/notify': raw(25),
  'activities/probe-park': raw(26),
  'activities/probe-routing': raw(37),
  'activities/reachability-shared': raw(34),
  'activities/probe-order': raw(35),
  'killpoints/kill-points': sim(87, IP_CHANGED),
  'prod/server-restart': sim(88),
  'alerting/alert-loop-e2e': sim(27),
  'cli/list-status': sim(31),
  'cli/live-progress': sim(28),
  // Only option-parsing checks of the benches' defaults: bench/alerts' and bench/recovery's clusters.
  'bench/bench-lib': sim(32),
  'bench/bench-lib#recovery': sim(33),
  'workflows/who-did-what': sim(29),
  'workflows/look-again': sim(47),
  'workflows/vantage': sim(75),
  'workflows/slack-approvals': sim(78),
  'activities/approval-notify': raw(79),
  'docs/tutorial': sim(30),
  'rehearse/twin-shape': sim(97),
  // Its twins inject ip-changed (update-hosts' fault), so they also take 127.148.
  'rehearse/rehearse': sim(98, IP_CHANGED),
  'rehearse/rehearse-cli': sim(99),
  // In-process cluster models (no sockets): the numbers only label addresses.
  'sim/shell/world': raw(95),
  'sim/control-api': raw(96),
  'sim/in-cluster-route': raw(39),
} as const satisfies Record<string, Entry>;

/**
 * Ranges held back from test files: the kill-point shards run side by side
 * (RUNBOOK_KILL_POINTS_SUBNET in test/killpoints/kill-points.test.ts) on 89 and 91–94, with their
 * fallback (+100) and ip-changed (+50) /16s; bench/probe-sweep's cluster on 36 (+100).
 */
export const RESERVED: ReadonlyArray<readonly [number, number]> = [
  [36, 36],
  [136, 136],
  [89, 89],
  [91, 94],
  [139, 139],
  [141, 144],
  [189, 189],
  [191, 194],
];

/**
 * Overlaps that exist today, listed so the check fails on any new one. Each is a real risk when
 * the two files run at the same time (vitest runs two files at once):
 * sim/faults' ip-changed moves a node to 127.62.0.1, sim/admin-api's coordinator address.
 * (A sim on subnet S is safe only if S, S+100 and, with ip-changed, S+50 are all free.)
 */
export const OVERLAPS_KNOWN: ReadonlyArray<string> = ['sim/faults(ip-changed) ~ sim/admin-api 62'];

export type SubnetKey = keyof typeof SUBNETS;

/** The registered subnet of a test file. */
export function subnet(key: SubnetKey): number {
  return SUBNETS[key].subnet;
}

/** The /16s an entry occupies, named by role. */
export function occupied(e: Entry): Array<{ role: string; second: number }> {
  if (e.use === 'raw') return [{ role: 'own', second: e.subnet }];
  return [
    { role: 'own', second: e.subnet },
    { role: 'fallback', second: e.subnet + 100 },
    ...(e.ipChanged === true ? [{ role: 'ip-changed', second: e.subnet + 50 }] : []),
  ];
}
