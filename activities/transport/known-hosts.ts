// OpenSSH known_hosts for strict host key checking: plain, wildcard, negated, `[addr]:port`
// and hashed `|1|salt|hash` host patterns; `@revoked` lines reject a key; `@cert-authority`
// lines are ignored (no certificate support).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  patterns: string;
  keyType: string;
  /** The raw public key blob, as the server sends it during key exchange. */
  key: Buffer;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
    const [patterns, keyType, b64] = fields;
    if (!patterns || !keyType || !b64) continue;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) continue;
    entries.push({ ...(marker && { marker }), patterns, keyType, key });
  }
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function lookupName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedMatches(pattern: string, name: string): boolean {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, name))
  const parts = pattern.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const expected = Buffer.from(parts[3]!, 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** OpenSSH semantics: any positive match and no negated match. */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatches(patterns, name);
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globMatches(p.slice(1), name)) return false;
    } else if (globMatches(p, name)) {
      matched = true;
    }
  }
  return matched;
}

/**
 * Most known_hosts patterns are plain names or `[addr]:port`: compared as text, without building
 * a RegExp per line (a 1,000-node known_hosts file made every SSH connect cost ~0.4 s of CPU).
 */
function globMatches(glob: string, name: string): boolean {
  if (!glob.includes('*') && !glob.includes('?')) return glob.length === name.length && glob.toLowerCase() === name.toLowerCase();
  return globToRegExp(glob).test(name);
}

export type HostKeyVerdict = 'match' | 'mismatch' | 'unknown' | 'revoked';

/** Entries usable for `names` (every name the host may be known under); certificate authorities skipped. */
export function entriesFor(entries: readonly KnownHostEntry[], names: readonly string[]): KnownHostEntry[] {
  return entries.filter((e) => e.marker !== '@cert-authority' && names.some((n) => patternsMatch(e.patterns, n)));
}

export function verifyHostKey(entries: readonly KnownHostEntry[], names: readonly string[], presented: Buffer): HostKeyVerdict {
  const relevant = entriesFor(entries, names);
  if (relevant.some((e) => e.marker === '@revoked' && e.key.equals(presented))) return 'revoked';
  const keys = relevant.filter((e) => e.marker === undefined);
  if (keys.length === 0) return 'unknown';
  return keys.some((e) => e.key.equals(presented)) ? 'match' : 'mismatch';
}

/** Host key algorithms to offer, so the server presents a key type we actually know. */
export function hostKeyAlgorithms(entries: readonly KnownHostEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.marker !== undefined) continue;
    const algs = e.keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [e.keyType];
    for (const a of algs) if (!out.includes(a)) out.push(a);
  }
  return out;
}
