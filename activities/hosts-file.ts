// §4.6 as activities: patch the hosts file in place (comments and layout kept), atomically, with a
// backup, validated before it replaces anything. Detecting the changes is in address-changes.ts,
// so the worker loads this module (and the `yaml` package) only when update-hosts writes.
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Composer, CST, isMap, isScalar, isSeq, parse, Parser } from 'yaml';
import { loadCluster } from '../src/config/loader.js';
import { type ClusterSpec, tailscaleAddressOf } from '../src/domain/cluster-spec.js';
import { type AddressChange, sha256 } from './address-changes.js';
import { ConfigInvalidError, HostsFileChangedError, HostsPatchMismatchError } from './errors.js';

export { type AddressChange, addressChanges, sha256 } from './address-changes.js';

/** The fields of a host entry that may hold its Tailscale address. */
const ADDRESS_FIELDS = ['host', 'tailscale_ip'] as const;

/** Refuses anything but a plain IP address on both sides: the value lands in the YAML (§4.6). */
function checkAddresses(c: AddressChange): void {
  for (const [side, value] of [
    ['current', c.from],
    ['proposed', c.to],
  ] as const) {
    if (typeof value !== 'string' || isIP(value) === 0) {
      throw new HostsPatchMismatchError(`refused: the ${side} address of ${c.node}, ${JSON.stringify(value)}, is not an IP address`);
    }
  }
}

/**
 * Rewrites whichever of `host:` and `tailscale_ip:` holds exactly the old address, through the
 * YAML syntax tree: only those scalars change, byte for byte everything else (comments,
 * quoting, layout) stays. The result is parsed again and must equal the original with just
 * those values changed.
 */
export function patchHostsText(source: string, changes: AddressChange[]): string {
  changes.forEach(checkAddresses);
  const tokens = Array.from(new Parser().parse(source));
  const docs = Array.from(new Composer({ keepSourceTokens: true }).compose(tokens));
  const doc = docs[0];
  if (docs.length !== 1 || doc === undefined || doc.errors.length > 0) {
    throw new HostsPatchMismatchError('the hosts file is not a single valid YAML document');
  }
  const hosts = doc.get('hosts', true);
  if (!isSeq(hosts)) throw new HostsPatchMismatchError('the hosts file has no `hosts:` list');
  const expected = parse(source) as { hosts: Array<Record<string, unknown>> };

  for (const c of changes) {
    const index = hosts.items.findIndex((item) => isMap(item) && item.get('name') === c.node);
    const entry = hosts.items[index];
    if (!isMap(entry)) throw new HostsPatchMismatchError(`node ${c.node} is not in the hosts file any more`);
    let replaced = false;
    for (const field of ADDRESS_FIELDS) {
      const scalar = entry.get(field, true);
      // Exact value comparison: moving 100.64.0.2 never touches 100.64.0.21.
      if (!isScalar(scalar) || scalar.value !== c.from || scalar.srcToken === undefined) continue;
      CST.setScalarValue(scalar.srcToken, c.to);
      expected.hosts[index]![field] = c.to;
      replaced = true;
    }
    if (!replaced) throw new HostsPatchMismatchError(`${c.node}: neither host nor tailscale_ip is ${c.from} any more`);
  }

  const patched = tokens.map((t) => CST.stringify(t)).join('');
  let reparsed: unknown;
  try {
    reparsed = parse(patched);
  } catch {
    reparsed = undefined;
  }
  if (!isDeepStrictEqual(reparsed, expected)) {
    throw new HostsPatchMismatchError('refused: the edit would change more of the hosts file than the addresses');
  }
  return patched;
}

export interface PatchResult {
  file: string;
  backup: string;
  sha256: string;
}

/** True when the file already says what the changes say: a retried attempt after a write. */
function alreadyWritten(spec: ClusterSpec, changes: AddressChange[]): boolean {
  return changes.every((c) => {
    const h = spec.hosts.find((x) => x.name === c.node);
    return h !== undefined && h.host !== c.from && h.tailscale_ip !== c.from && (h.host === c.to || tailscaleAddressOf(h) === c.to);
  });
}

/** A new file next to `file` that cannot exist yet: random name, O_CREAT|O_EXCL (never follows a symlink). */
function writeExclusive(path: string, text: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    fchmodSync(fd, mode); // the umask must not widen or narrow the original's mode
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const randomSuffix = (): string => randomBytes(8).toString('hex');

function writeBackup(file: string, source: string, mode: number, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const backup = join(dirname(file), `${basename(file)}.bak-${stamp}`);
  try {
    writeExclusive(backup, source, mode);
    return backup;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const other = `${backup}-${randomSuffix()}`;
    writeExclusive(other, source, mode);
    return other;
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the patched file: a temp file with a random name in the same directory (O_EXCL, the
 * original's mode), validated with the real config loader, then a backup of the original, then
 * an atomic rename. A patch that does not validate never replaces the file.
 */
export function applyPatch(
  file: string,
  changes: AddressChange[],
  expectedSha256: string,
  now: Date,
  /** Tests: runs once the temp file is written, where a hand edit of the real file may land. */
  afterTempWritten?: () => void,
): PatchResult {
  const source = readFileSync(file, 'utf8');
  if (sha256(source) !== expectedSha256) {
    // A retried attempt whose first try already wrote this very patch is a success.
    if (alreadyWritten(loadCluster(file), changes)) {
      return { file, backup: '(already written by an earlier attempt)', sha256: sha256(source) };
    }
    throw new HostsFileChangedError(file);
  }
  const patched = patchHostsText(source, changes);
  const mode = statSync(file).mode & 0o7777;
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${randomSuffix()}`);
  writeExclusive(tmp, patched, mode);
  try {
    afterTempWritten?.();
    let spec: ClusterSpec;
    try {
      spec = loadCluster(tmp);
    } catch (err) {
      throw new ConfigInvalidError(`patched hosts file did not validate; ${file} left unchanged: ${(err as Error).message}`, { cause: err });
    }
    if (!alreadyWritten(spec, changes)) throw new HostsPatchMismatchError(`patched ${file} does not carry the new addresses; left unchanged`);
    // Someone may have edited the file while this one was being written.
    if (sha256(readFileSync(file, 'utf8')) !== expectedSha256) throw new HostsFileChangedError(file);
    const backup = writeBackup(file, source, mode, now);
    renameSync(tmp, file);
    fsyncDir(dirname(file));
    return { file, backup, sha256: sha256(patched) };
  } finally {
    rmSync(tmp, { force: true });
  }
}
