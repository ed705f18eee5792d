// The worker's logger (SDK Runtime logger too): text by default, JSON on request, secrets redacted.
import { describe, expect, it } from 'vitest';
import { RunbookLogger } from '../../src/logging/logger.js';
import { REDACTED, secretsFromEnv } from '../../src/logging/redact.js';

function capture(format: 'text' | 'json', secrets: string[] = []): { logger: RunbookLogger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new RunbookLogger({ format, secrets, write: (l) => lines.push(l) }), lines };
}

describe('RunbookLogger', () => {
  it('json: one object per line with time, level, message and the metadata', () => {
    const { logger, lines } = capture('json');
    logger.info('worker ready', { taskQueue: 'q', nested: { n: 1 } });
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', message: 'worker ready', taskQueue: 'q', nested: { n: 1 } });
    expect(new Date(entry['time'] as string).getTime()).not.toBeNaN();
  });

  it('text: human-readable, level and key=value pairs', () => {
    const { logger, lines } = capture('text');
    logger.warn('slow poll', { taskQueue: 'q' });
    expect(lines[0]).toMatch(/^\S+Z WARN {2}slow poll taskQueue=q$/);
  });

  it('redacts secret-named fields and known secret values anywhere, in both formats', () => {
    const env = { RUNBOOK_ADMIN_KEY: 'admin-s3cret-1', TEMPORAL_API_KEY: 'api-s3cret-2' };
    for (const format of ['json', 'text'] as const) {
      const { logger, lines } = capture(format, secretsFromEnv(env));
      logger.error('request failed with admin-s3cret-1', {
        headers: { 'X-Admin-Key': 'whatever', authorization: 'Bearer x' },
        apiKey: 'y',
        error: new Error('denied for api-s3cret-2'),
        node: 'n1',
      });
      const out = lines.join('\n');
      expect(out).not.toMatch(/s3cret|whatever|Bearer x/);
      expect(out).toContain(REDACTED);
      expect(out).toContain('n1');
    }
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('json');
    logger.debug('noise');
    expect(lines).toEqual([]);
  });
});
