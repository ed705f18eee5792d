import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { UnknownNodeError } from '../../activities/errors.js';
import { cluster, fastPolicy, host, refusedPort, runActivity, type Running, startDeadHost, tempDir } from './helpers.js';

const ADDR = '127.43.1.1';
let open: Running;
let closedPort: number;
const savedPath = process.env['PATH'];

beforeAll(async () => {
  open = await startDeadHost(ADDR);
  closedPort = await refusedPort(ADDR);
});
afterAll(() => open.close());
afterEach(() => {
  process.env['PATH'] = savedPath;
});

function acts() {
  return createActivities({
    cluster: () =>
      cluster([host('r1', ADDR, { p2p: open.port, ssh: closedPort }), host('named', 'localhost', { p2p: open.port, ssh: closedPort })]),
    policy: fastPolicy(),
  });
}

describe('routingChecks', () => {
  it('reports the IP literal, TCP reachability per port with latency, and skips a missing traceroute', async () => {
    // A PATH without traceroute, whatever the machine has installed.
    process.env['PATH'] = tempDir('nopath');
    const { result } = await runActivity(() => acts().routingChecks({ nodes: ['r1'] }));
    expect(result).toHaveLength(1);
    const [r] = result;
    expect(r!.node).toBe('r1');
    expect(r!.dns).toEqual({ ok: true, addresses: [ADDR] });
    expect(r!.tcp[0]).toMatchObject({ port: open.port, ok: true });
    expect(r!.tcp[0]!.ms).toBeGreaterThanOrEqual(0);
    expect(r!.tcp[1]).toMatchObject({ port: closedPort, ok: false, error: 'ECONNREFUSED' });
    expect(r!.traceroute).toEqual({ ran: false, skippedReason: 'traceroute not installed' });
  });

  it('resolves a host name (localhost, from /etc/hosts) and runs traceroute with the runbook flags', async () => {
    const dir = tempDir('tr');
    const bin = join(dir, 'traceroute');
    writeFileSync(bin, '#!/bin/sh\necho "traceroute $*"\necho " 1  127.0.0.1  0.050 ms"\n');
    chmodSync(bin, 0o755);
    process.env['PATH'] = dir;
    const { result } = await runActivity(() => acts().routingChecks({ nodes: ['named'] }));
    const [r] = result;
    expect(r!.dns.ok).toBe(true);
    expect(r!.dns.addresses.length).toBeGreaterThan(0);
    expect(r!.traceroute.ran).toBe(true);
    expect(r!.traceroute.output).toContain('traceroute -n -w 1 -q 1 -m 8 localhost');
  });

  it('rejects unknown nodes', async () => {
    await expect(runActivity(() => acts().routingChecks({ nodes: ['ghost'] }))).rejects.toThrow(UnknownNodeError);
  });
});
