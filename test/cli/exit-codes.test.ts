// CLI contract (DESIGN §5): --help everywhere, exit 0 ok, 2 for usage and config errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/webhook/loopback.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'runbook-cli-'));

describe('runbook CLI', () => {
  it('validates the shipped config (exit 0)', async () => {
    const r = await runCli(['config', 'validate', 'config/distributed_hosts.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/8 hosts, 5 voters/);
  });

  it('exits 2 on a bad config, naming the field and the line', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'hosts:\n  - name: a\n    host: 1.2.3.4\n    port: 0\n');
    const r = await runCli(['config', 'validate', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:4: hosts[0].port`);
  });

  it('prints help with exit 0 for the program and every command', async () => {
    for (const args of [['--help'], ['run', '--help'], ['diagnose', '--help'], ['config', 'validate', '--help'], ['approve', '--help']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: runbook/);
    }
  });

  it('`dev --config` with a real hosts file and no admin key: exit 2 before anything starts, never the simulator\'s key', async () => {
    const r = await runCli(['dev', '--config', 'config/distributed_hosts.yaml', '--port', '1', '--ui-port', '1'], { RUNBOOK_ADMIN_KEY: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--config names a real cluster: set \$RUNBOOK_ADMIN_KEY/);
    expect(r.stdout).not.toMatch(/Temporal Web UI/);
  });

  it('exits 2 on an unknown command, an unknown procedure and a missing required flag', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const unknown = await runCli(['run', 'reboot-everything']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown procedure "reboot-everything"; one of: diagnose, restart-p2p/);
    const noNode = await runCli(['run', 'restart-p2p']);
    expect(noNode.code).toBe(2);
    expect(noNode.stderr).toMatch(/needs --node/);
    const noBy = await runCli(['approve', 'wf-1']);
    expect(noBy.code).toBe(2);
    expect(noBy.stderr).toMatch(/--by/);
  });

  it('exits 2 for a node that is not in the hosts file', async () => {
    const r = await runCli(['run', 'restart-p2p', '--node', 'ghost', '--config', 'config/distributed_hosts.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/node "ghost" is not in config\/distributed_hosts.yaml/);
  });

  it('exits 2 with a clear message when Temporal is unreachable', async () => {
    const r = await runCli(['list'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach Temporal at 127.0.0.1:1/);
  });

  it('refuses `webhook --insecure-no-token` on any address but loopback (exit 2, before listening)', async () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'webhook.internal']) {
      const r = await runCli(['webhook', '--insecure-no-token', '--host', host, '--port', '0']);
      expect(r.code, `${host}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`--insecure-no-token listens without authentication, so only on a loopback address`);
      expect(r.stderr).toContain(`--host ${host}`);
    }
    expect(['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost'].filter((h) => !isLoopbackHost(h))).toEqual([]);
    expect(['0.0.0.0', '::', '::ffff:10.0.0.1', '128.0.0.1', 'localhost.evil.example', ''].filter(isLoopbackHost)).toEqual([]);
  });
});
