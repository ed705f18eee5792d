// §4.6 as activities: detect address changes from Tailscale, and patch the hosts file in place
// (comments and layout kept), atomically, with a backup, validated, rolled back on failure.
import { createHash } from 'node:crypto';
import { copyFileSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { loadCluster } from '../src/config/loader.js';
import { locateYamlPath } from '../src/config/yaml-locate.js';
import { type ClusterSpec, tailscaleAddressOf } from '../src/domain/cluster.js';
import type { TailscaleView } from '../src/domain/probes.js';
import { ConfigInvalidError, HostsFileChangedError, HostsPatchMismatchError } from './errors.js';

export interface AddressChange {
  node: string;
  from: string;
  to: string;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Nodes that Tailscale shows online under another address than their configured Tailscale
 * address. Nodes configured only by a public or internal address are never "changed".
 */
export function addressChanges(cluster: ClusterSpec, view: TailscaleView): AddressChange[] {
  return view.peers.flatMap((peer) => {
    const host = cluster.hosts.find((h) => h.name === peer.name);
    const from = host ? tailscaleAddressOf(host) : undefined;
    const to = peer.ips[0];
    if (!host || from === undefined || !peer.online || to === undefined || peer.ips.includes(from)) return [];
    return [{ node: host.name, from, to }];
  });
}

/** Rewrites whichever of `host:` and `tailscale_ip:` holds the old address, keeping everything else. */
export function patchHostsText(source: string, changes: AddressChange[]): string {
  const lines = source.split('\n');
  const names = hostNames(source);
  for (const c of changes) {
    const index = names.indexOf(c.node);
    if (index < 0) throw new HostsPatchMismatchError(`node ${c.node} is not in the hosts file any more`);
    let replaced = false;
    for (const field of ['host', 'tailscale_ip']) {
      const line = locateYamlPath(source, ['hosts', index, field]);
      if (line === undefined) continue;
      const text = lines[line - 1]!;
      const m = new RegExp(`^(.*\\b${field}\\s*:\\s*["']?)${escapeRe(c.from)}(["']?.*)$`).exec(text);
      if (m) {
        lines[line - 1] = `${m[1]}${c.to}${m[2]}`;
        replaced = true;
      }
    }
    if (!replaced) throw new HostsPatchMismatchError(`${c.node}: host is no longer ${c.from}`);
  }
  return lines.join('\n');
}

function hostNames(source: string): string[] {
  const doc = yaml.load(source, { schema: yaml.CORE_SCHEMA }) as { hosts?: Array<{ name?: unknown }> } | null;
  return (doc?.hosts ?? []).map((h) => String(h.name ?? ''));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface PatchResult {
  file: string;
  backup: string;
  sha256: string;
}

/** Writes the patched file atomically; keeps a backup; restores it if the result does not validate. */
export function applyPatch(file: string, changes: AddressChange[], expectedSha256: string, now: Date): PatchResult {
  const source = readFileSync(file, 'utf8');
  if (sha256(source) !== expectedSha256) {
    // A retried attempt whose first try already wrote this very patch is a success.
    const spec = loadCluster(file);
    const done = changes.every((c) => spec.hosts.find((h) => h.name === c.node)?.host === c.to);
    if (done) return { file, backup: '(already written by an earlier attempt)', sha256: sha256(source) };
    throw new HostsFileChangedError(file);
  }
  const patched = patchHostsText(source, changes);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const backup = join(dirname(file), `${basename(file)}.bak-${stamp}`);
  copyFileSync(file, backup);
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, patched);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    loadCluster(file);
  } catch (err) {
    // Roll back, atomically too: the previous file was valid (it was loaded to plan this patch).
    copyFileSync(backup, tmp);
    renameSync(tmp, file);
    throw new ConfigInvalidError(`patched hosts file did not validate, rolled back: ${(err as Error).message}`, { cause: err });
  }
  return { file, backup, sha256: sha256(patched) };
}
