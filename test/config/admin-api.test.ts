// `admin_api` in distributed_hosts.yaml: the X-Admin-Key never crosses a network in clear text.
// SSH to the coordinator's loopback is the default; https / Tailscale URLs only when named, and
// a URL that would send the key in clear is refused at load with file, field, line and why.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { DEFAULT_HOSTS_FILE, loadCluster } from '../../src/config/loader.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'runbook-admin-api-'));
let n = 0;
function hostsWith(adminApi: string[]): string {
  const path = join(dir, `hosts-${++n}.yaml`);
  writeFileSync(
    path,
    ['hosts:', '  - name: nebius-backbone-1', '    host: 89.169.111.10', 'voter_nodes: [nebius-backbone-1]', ...adminApi, ''].join('\n'),
  );
  return path;
}

function problemsOf(file: string): ConfigError['problems'] {
  try {
    loadCluster(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`expected ${file} to be refused`);
}

describe('admin_api', () => {
  it('defaults to SSH (curl on the coordinator’s loopback), also for the shipped config', () => {
    expect(loadCluster(hostsWith([])).admin_api).toEqual({ transport: 'ssh' });
    expect(loadCluster(DEFAULT_HOSTS_FILE).admin_api).toEqual({ transport: 'ssh' });
  });

  it('refuses transport https with an http:// URL to a public address: file, field, line and why', () => {
    const f = hostsWith(['admin_api:', '  transport: https', '  url: http://89.169.111.10:8001']);
    const [p, ...rest] = problemsOf(f);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ path: 'admin_api.url', line: 7 });
    expect(p!.message).toMatch(/refused: http:\/\/ would send X-Admin-Key in clear text/);
    expect(() => loadCluster(f)).toThrow(`${f}:7: admin_api.url: refused`);
  });

  it('refuses transport tailscale to an address outside 100.64.0.0/10', () => {
    for (const url of ['http://89.169.111.10:8001', 'http://100.128.0.1:8001', 'http://coordinator.example.ts.net:8001']) {
      const [p] = problemsOf(hostsWith(['admin_api:', '  transport: tailscale', `  url: ${url}`]));
      expect(p, url).toMatchObject({ path: 'admin_api.url', line: 7 });
      expect(p!.message).toMatch(/not a Tailscale address \(100\.64\.0\.0\/10\)/);
    }
  });

  it('refuses credentials in the URL and a URL without a transport', () => {
    expect(problemsOf(hostsWith(['admin_api:', '  transport: https', '  url: https://admin:secret@coord.example.net:8001']))[0]!.message).toMatch(
      /credentials in the URL/,
    );
    expect(problemsOf(hostsWith(['admin_api:', '  url: https://coord.example.net:8001']))[0]).toMatchObject({ path: 'admin_api.transport' });
  });

  it('accepts an explicit https URL and a Tailscale address', () => {
    expect(loadCluster(hostsWith(['admin_api:', '  transport: https', '  url: https://coord.example.net:8001'])).admin_api).toEqual({
      transport: 'https',
      url: 'https://coord.example.net:8001',
    });
    expect(loadCluster(hostsWith(['admin_api: { transport: tailscale, url: "http://100.64.0.10:8001" }'])).admin_api).toEqual({
      transport: 'tailscale',
      url: 'http://100.64.0.10:8001',
    });
  });

  it('`runbook config validate` exits 2 and says why', async () => {
    const f = hostsWith(['admin_api:', '  transport: https', '  url: http://89.169.111.10:8001']);
    const r = await runCli(['config', 'validate', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:7: admin_api.url: refused: http:// would send X-Admin-Key in clear text`);
  });
});
