// §6.2 item 4: the hosts file's recent changes, from update-hosts' backups (no network).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recentConfigChanges } from '../../activities/config-changes.js';

describe('recentConfigChanges', () => {
  it('lists the newest backups first, each diffed against the state that followed it, bounded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-changes-'));
    const file = join(dir, 'distributed_hosts.yaml');
    writeFileSync(join(dir, 'distributed_hosts.yaml.bak-2026-11-01T10-00-00-000Z'), 'hosts:\n  - name: a\n    host: 100.64.0.1\n');
    writeFileSync(join(dir, 'distributed_hosts.yaml.bak-2026-11-02T10-00-00-000Z'), 'hosts:\n  - name: a\n    host: 100.64.0.2\n');
    writeFileSync(file, `hosts:\n  - name: a\n    host: 100.64.0.3\n${Array.from({ length: 40 }, (_, i) => `# line ${i}`).join('\n')}\n`);
    const changes = recentConfigChanges(file, 3);
    expect(changes.map((c) => c.backup)).toEqual(['distributed_hosts.yaml.bak-2026-11-02T10-00-00-000Z', 'distributed_hosts.yaml.bak-2026-11-01T10-00-00-000Z']);
    expect(changes[1]!.diff).toEqual(['-     host: 100.64.0.1', '+     host: 100.64.0.2']);
    expect(changes[0]!.diff[0]).toBe('-     host: 100.64.0.2');
    expect(changes[0]!.diff).toHaveLength(21);
    expect(changes[0]!.diff[20]).toBe('…[22 more lines]');
    expect(recentConfigChanges(file, 1)).toHaveLength(1);
  });
});
