// §4.6 hosts-file patching: comments and layout kept, atomic write with a backup, rollback when
// the result does not validate, refusal when someone else edited the file meanwhile.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostsFileChangedError, HostsPatchMismatchError } from '../../activities/errors.js';
import { addressChanges, applyPatch, patchHostsText, sha256 } from '../../activities/hosts-file.js';
import { loadCluster } from '../../src/config/loader.js';

const SOURCE = [
  '# cluster hosts',
  'hosts:',
  '  - name: a',
  '    host: 127.10.0.1 # Primary (Tailscale)',
  '    tailscale_ip: 127.10.0.1',
  '    fallback_host: 127.110.0.1',
  '  - name: b',
  '    host: "127.10.0.2"',
  'voter_nodes: [a]',
  '',
].join('\n');

function fileWith(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'hosts-')), 'distributed_hosts.yaml');
  writeFileSync(f, text);
  return f;
}

describe('hosts file patch', () => {
  it('detects addresses Tailscale reports that the config lacks', () => {
    const cluster = loadCluster(fileWith(SOURCE));
    const view = {
      backendState: 'Running',
      peers: [
        { name: 'a', online: true, ips: ['127.60.0.1'] },
        { name: 'b', online: true, ips: ['127.10.0.2'] },
      ],
    };
    expect(addressChanges(cluster, view)).toEqual([{ node: 'a', from: '127.10.0.1', to: '127.60.0.1' }]);
    expect(addressChanges(cluster, { ...view, peers: [{ name: 'a', online: false, ips: ['127.60.0.1'] }] })).toEqual([]);
  });

  it('leaves seed-style hosts (public address, no tailscale_ip) alone', () => {
    const seed = fileWith('hosts:\n  - name: runpod-h100\n    host: 38.80.152.10\n    port: 22\n');
    const view = { backendState: 'Running', peers: [{ name: 'runpod-h100', online: true, ips: ['100.101.7.9'] }] };
    expect(addressChanges(loadCluster(seed), view)).toEqual([]);
  });

  it('updates only tailscale_ip when the host is a public address', () => {
    const text = 'hosts:\n  - name: a\n    host: 38.80.152.10\n    tailscale_ip: 100.64.0.5\n';
    const changes = addressChanges(loadCluster(fileWith(text)), {
      backendState: 'Running',
      peers: [{ name: 'a', online: true, ips: ['100.64.0.9'] }],
    });
    expect(changes).toEqual([{ node: 'a', from: '100.64.0.5', to: '100.64.0.9' }]);
    expect(patchHostsText(text, changes)).toBe(text.replace('100.64.0.5', '100.64.0.9'));
  });

  it('rewrites host and tailscale_ip in place, keeping comments, quotes and layout', () => {
    const out = patchHostsText(SOURCE, [
      { node: 'a', from: '127.10.0.1', to: '127.60.0.1' },
      { node: 'b', from: '127.10.0.2', to: '127.60.0.2' },
    ]);
    expect(out).toBe(
      SOURCE.replace('host: 127.10.0.1 # Primary', 'host: 127.60.0.1 # Primary')
        .replace('tailscale_ip: 127.10.0.1', 'tailscale_ip: 127.60.0.1')
        .replace('host: "127.10.0.2"', 'host: "127.60.0.2"'),
    );
  });

  it('refuses a change that no longer matches the file', () => {
    expect(() => patchHostsText(SOURCE, [{ node: 'a', from: '127.99.0.1', to: '127.60.0.1' }])).toThrow(HostsPatchMismatchError);
    expect(() => patchHostsText(SOURCE, [{ node: 'zz', from: '127.10.0.1', to: '127.60.0.1' }])).toThrow(HostsPatchMismatchError);
  });

  it('writes atomically with a backup, and a retried write of the same patch succeeds', () => {
    const f = fileWith(SOURCE);
    const change = [{ node: 'a', from: '127.10.0.1', to: '127.60.0.1' }];
    const r = applyPatch(f, change, sha256(SOURCE), new Date('2026-11-29T03:00:00Z'));
    expect(loadCluster(f).hosts[0]!.host).toBe('127.60.0.1');
    expect(readFileSync(r.backup, 'utf8')).toBe(SOURCE);
    expect(readdirSync(join(f, '..')).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const again = applyPatch(f, change, sha256(SOURCE), new Date());
    expect(again.sha256).toBe(r.sha256);
  });

  it('refuses when the file was edited since detection', () => {
    const f = fileWith(SOURCE);
    writeFileSync(f, SOURCE.replace('# cluster hosts', '# edited by hand'));
    expect(() => applyPatch(f, [{ node: 'a', from: '127.10.0.1', to: '127.60.0.1' }], sha256(SOURCE), new Date())).toThrow(
      HostsFileChangedError,
    );
  });

  it('rolls back when the patched file does not validate', () => {
    const f = fileWith(SOURCE);
    expect(() => applyPatch(f, [{ node: 'a', from: '127.10.0.1', to: 'not an address!' }], sha256(SOURCE), new Date())).toThrow(
      /did not validate, rolled back/,
    );
    expect(readFileSync(f, 'utf8')).toBe(SOURCE);
  });
});
