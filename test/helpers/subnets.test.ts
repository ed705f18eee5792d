// The subnet registry keeps test files apart: no two entries share a /16 (own, fallback or
// ip-changed) beyond the overlaps listed as known, none sits in a reserved range, and every
// `subnet: <number>` a test file still writes by hand is the one registered for it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OVERLAPS_KNOWN, occupied, RESERVED, SUBNETS } from './subnets.js';

const TEST_DIR = join(import.meta.dirname, '..');

function overlaps(): string[] {
  const owners = new Map<number, string[]>();
  for (const [key, e] of Object.entries(SUBNETS)) {
    for (const o of occupied(e)) {
      const name = o.role === 'own' ? key : `${key}(${o.role})`;
      owners.set(o.second, [...(owners.get(o.second) ?? []), name]);
    }
  }
  const out: string[] = [];
  for (const [second, names] of owners) {
    // Two roles of one file never run against each other; a file's own entries may share.
    const files = new Set(names.map((n) => n.replace(/\(.*\)$/, '').replace(/#.*$/, '')));
    if (files.size > 1) out.push(`${[...names].sort().reverse().join(' ~ ')} ${second}`);
  }
  return out;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? testFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('subnet registry', () => {
  it('no two test files share a /16 except the known overlaps, and none uses a reserved range', () => {
    const inReserved = Object.values(SUBNETS).flatMap((e) =>
      occupied(e)
        .filter((o) => RESERVED.some(([lo, hi]) => o.second >= lo && o.second <= hi))
        .map((o) => (o.role === 'own' ? `${e.subnet} is reserved` : `${o.role} of ${e.subnet} in reserved ${o.second}`)),
    );
    expect([...overlaps(), ...inReserved].sort()).toEqual([...OVERLAPS_KNOWN].sort());
  });

  it('every hand-written `subnet: N` in a test file is registered for that file', () => {
    const wrong: string[] = [];
    for (const file of testFiles(TEST_DIR)) {
      const key = relative(TEST_DIR, file).replace(/\.test\.ts$|\.ts$/, '');
      for (const m of readFileSync(file, 'utf8').matchAll(/subnet: (\d+)/g)) {
        const n = Number(m[1]);
        const mine = Object.entries(SUBNETS).filter(([k]) => k === key || k.startsWith(`${key}#`)).map(([, e]) => e.subnet);
        if (!mine.includes(n)) wrong.push(`${key}: subnet ${n} is not registered for it`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
