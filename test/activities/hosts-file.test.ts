// §4.6 hosts-file patching: comments and layout kept, atomic write with a backup, rollback when
// the result does not validate, refusal when someone else edited the file meanwhile.
import { chmodSync, linkSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, HostsFileChangedError, HostsPatchMismatchError } from '../../activities/errors.js';
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


  it('a hand edit that lands while the patch is being written raises the changed-file error and survives', () => {
    const f = fileWith(SOURCE);
    const edited = SOURCE.replace('# cluster hosts', '# edited by hand while the patch was written');
    const before = readdirSync(join(f, '..')).sort();
    expect(() =>
      applyPatch(f, [{ node: 'a', from: '127.10.0.1', to: '127.60.0.1' }], sha256(SOURCE), new Date(), () => writeFileSync(f, edited)),
    ).toThrow(HostsFileChangedError);
    expect(readFileSync(f, 'utf8')).toBe(edited);
    expect(readdirSync(join(f, '..')).sort(), 'no temp file or backup left behind').toEqual(before);
  });

  it('refuses to patch when the file would not validate, and never replaces it', () => {
    // Hand-edited into an invalid state after the worker loaded it (a voter that is no host).
    const invalid = SOURCE.replace('voter_nodes: [a]', 'voter_nodes: [a, zz]');
    const f = fileWith(invalid);
    // A second name for the original inode: a replaced file no longer shares it.
    const original = join(mkdtempSync(join(tmpdir(), 'hosts-link-')), 'original.yaml');
    linkSync(f, original);
    expect(() => applyPatch(f, [{ node: 'a', from: '127.10.0.1', to: '127.60.0.1' }], sha256(invalid), new Date())).toThrow(
      ConfigInvalidError,
    );
    expect(readFileSync(f, 'utf8')).toBe(invalid);
    // Validated before the rename: the file was never replaced, not even for a moment.
    expect(statSync(f).ino).toBe(statSync(original).ino);
    expect(readdirSync(dirname(f))).toEqual([basename(f)]);
  });
});

// The proposed address is data from the tailnet; the write is an attack surface.
describe('hosts file patch safety', () => {
  const NEIGHBOURS = [
    '# tailnet hosts',
    'hosts:',
    '  - name: a',
    '    host: 38.80.152.10',
    '    tailscale_ip: 100.64.0.21 # a moved here last week',
    '  - name: b',
    '    host: 100.64.0.2',
    'voter_nodes: [a]',
    '',
  ].join('\n');

  it('moving 100.64.0.2 never rewrites 100.64.0.21', () => {
    expect(() => patchHostsText(NEIGHBOURS, [{ node: 'a', from: '100.64.0.2', to: '100.64.0.9' }])).toThrow(HostsPatchMismatchError);
    expect(patchHostsText(NEIGHBOURS, [{ node: 'b', from: '100.64.0.2', to: '100.64.0.9' }])).toBe(
      NEIGHBOURS.replace('host: 100.64.0.2\n', 'host: 100.64.0.9\n'),
    );
  });

  it('refuses a proposed value that is not an IP address (a newline would inject keys)', () => {
    const evil = { node: 'b', from: '100.64.0.2', to: '100.64.0.9\n    port: 2200' };
    expect(() => patchHostsText(NEIGHBOURS, [evil])).toThrow(`refused: the proposed address of b, ${JSON.stringify(evil.to)}, is not an IP address`);
    const f = fileWith(NEIGHBOURS);
    expect(() => applyPatch(f, [evil], sha256(NEIGHBOURS), new Date())).toThrow(HostsPatchMismatchError);
    expect(readFileSync(f, 'utf8')).toBe(NEIGHBOURS);
    // Nor is such a value ever proposed from Tailscale's answer.
    const view = { backendState: 'Running', peers: [{ name: 'b', online: true, ips: [evil.to] }] };
    expect(addressChanges(loadCluster(f), view)).toEqual([]);
  });

  it('never proposes a change for a node several tailnet devices claim', () => {
    const view = {
      backendState: 'Running',
      peers: [{ name: 'b', online: true, ips: ['100.64.0.9'] }],
      conflicts: [{ node: 'b', peers: ['HostName b (b.ts.net, 100.64.0.2, offline)', 'HostName b (b-1.ts.net, 100.64.0.9, online)'] }],
    };
    expect(addressChanges(loadCluster(fileWith(NEIGHBOURS)), view)).toEqual([]);
  });

  it('keeps every comment, blank line, quote style and flow collection byte for byte', () => {
    const text = [
      '# Hosts of the training cluster.',
      '# Edited by hand and by update-hosts.',
      '',
      'ssh: {user: ubuntu, connect_timeout_s: 5}   # flow map',
      'hosts:',
      '  # --- Lambda ---',
      '  - name: a # the backbone',
      "    host: '100.64.0.2'   # single quoted",
      '',
      '    tailscale_ip: "100.64.0.2"',
      '  - {name: b, host: 100.64.0.3}  # flow entry',
      'voter_nodes: [ a ]',
      '# trailing comment',
      '',
    ].join('\n');
    const out = patchHostsText(text, [
      { node: 'a', from: '100.64.0.2', to: '100.64.0.7' },
      { node: 'b', from: '100.64.0.3', to: 'fd7a:115c:a1e0::3' },
    ]);
    expect(out).toBe(text.replace("'100.64.0.2'", "'100.64.0.7'").replace('"100.64.0.2"', '"100.64.0.7"').replace('host: 100.64.0.3}', 'host: fd7a:115c:a1e0::3}'));
  });

  it('does not follow a symlink planted at the old predictable temp path', () => {
    const f = fileWith(SOURCE);
    const victim = join(mkdtempSync(join(tmpdir(), 'victim-')), 'authorized_keys');
    writeFileSync(victim, 'ssh-ed25519 AAAA victim\n');
    const planted = join(dirname(f), `.${basename(f)}.tmp-${process.pid}`);
    symlinkSync(victim, planted);
    applyPatch(f, [{ node: 'a', from: '127.10.0.1', to: '127.60.0.1' }], sha256(SOURCE), new Date());
    expect(readFileSync(victim, 'utf8')).toBe('ssh-ed25519 AAAA victim\n');
    expect(lstatSync(f).isSymbolicLink()).toBe(false);
    expect(loadCluster(f).hosts[0]!.host).toBe('127.60.0.1');
    expect(readlinkSync(planted)).toBe(victim);
  });

  it('keeps the mode of a 0600 file, and of its backup', () => {
    const f = fileWith(SOURCE);
    chmodSync(f, 0o600);
    const r = applyPatch(f, [{ node: 'a', from: '127.10.0.1', to: '127.60.0.1' }], sha256(SOURCE), new Date());
    expect((statSync(f).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(r.backup).mode & 0o777).toString(8)).toBe('600');
  });
});
