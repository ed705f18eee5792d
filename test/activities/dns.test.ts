// §3.4 `dig <node-hostname>` is bounded: a resolver that never answers yields `timeout` by the
// deadline instead of holding the routing check (and the activity) forever.
import { describe, expect, it } from 'vitest';
import { resolveHost } from '../../activities/routing.js';

const neverAnswers = (): Promise<Array<{ address: string }>> => new Promise(() => undefined);

describe('resolveHost', () => {
  it('reports timeout when the lookup never completes', async () => {
    const r = await resolveHost('node-x.example.internal', 200, new AbortController().signal, neverAnswers);
    expect(r).toEqual({ ok: false, addresses: [], error: 'timeout' });
  });

  it('stops waiting when the activity is cancelled', async () => {
    const c = new AbortController();
    const p = resolveHost('node-x.example.internal', 60_000, c.signal, neverAnswers);
    c.abort(new Error('cancelled'));
    expect(await p).toEqual({ ok: false, addresses: [], error: 'aborted' });
  });

  it('still answers from the system resolver (/etc/hosts) and passes IP literals through', async () => {
    expect((await resolveHost('localhost', 2000, new AbortController().signal)).ok).toBe(true);
    expect(await resolveHost('100.64.0.3', 2000, new AbortController().signal)).toEqual({ ok: true, addresses: ['100.64.0.3'] });
  });
});
