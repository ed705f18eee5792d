// Fast tests of the blast-radius semaphore (STYLE §18): the real semaphore and the procedures'
// own RemediationSlots, on the time-skipping server with fake activities, so leases of 30 min
// pass at once. Holders are a minimal workflow (test/fixtures/slot-workflows.ts) that keeps its
// slot until told to finish; restart-p2p stands in for "a procedure waiting for a human".
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../src/domain/progress.js';
import { approveSignal, progressQuery } from '../../workflows/messages.js';
import { RECOVERY_DEFAULTS } from '../../workflows/recovery-input.js';
import { acquireSlotSignal, type PublicSlotsState as SlotsState, releaseSlotSignal, type SlotGrant, slotGrantedSignal, slotsStateQuery } from '../../workflows/slots.js';
import { finishSignal, type slotHolder, type SlotHolderInput } from '../fixtures/slot-workflows.js';
import { startTimeSkippingEnv, uniqueId } from '../helpers/temporal-env.js';
import { StopWaiting, waitFor } from '../helpers/wait.js';

const VOTERS = ['v1', 'v2', 'v3'];
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  const noop = (): void => undefined;
  [env, bundle] = await Promise.all([
    startTimeSkippingEnv(),
    bundleWorkflowCode({
      workflowsPath: join(import.meta.dirname, '..', 'fixtures', 'slot-workflows.ts'),
      logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
    }),
  ]);
});
afterAll(async () => {
  await env?.teardown();
});

/** Only what the holders and restart-p2p's first steps ask for. */
const fakeActivities = {
  async clusterInfo() {
    return { nodes: [], backbone: 'w1', coordinator: 'v1', voters: VOTERS };
  },
  async probeNodes({ nodes }: { nodes: string[] }) {
    const down = { ok: false, ms: 1, error: 'connection refused' };
    return nodes.map((name) => ({ name, via: 'primary', checks: { p2p: down, http: { ok: true, ms: 1 }, ssh: { ok: true, ms: 1 } } }));
  },
  async reachability() {
    return { total: 8, unreachable: 0 };
  },
  /** The cluster agrees the daemon is down, so restart-p2p goes on to ask a human. */
  async lookAgain() {
    return { node: 'w1', state: 'p2p-down', detail: 'p2p refused; peers agree' };
  },
};

/**
 * One worker per test (STYLE §11), on its own task queue, with its own semaphore. Everything the
 * test started is terminated after it: a timer of a workflow whose worker is gone would stop the
 * test server from skipping time in the next test.
 */
async function withWorker(fn: (t: Ctx) => Promise<void>, leaseMs?: number, maxLimit?: number): Promise<void> {
  const taskQueue = uniqueId('slots-q');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fakeActivities });
  const slotsId = uniqueId('slots');
  const t = new Ctx(taskQueue, slotsId);
  await worker.runUntil(async () => {
    const args = { ...(leaseMs !== undefined && { leaseMs }), ...(maxLimit !== undefined && { maxLimit }) };
    await env.client.workflow.start('remediationSlots', { taskQueue, workflowId: slotsId, args: [args] });
    try {
      await fn(t);
    } finally {
      for (const id of [slotsId, ...t.started]) await env.client.workflow.getHandle(id).terminate('test done').catch(() => undefined);
    }
  });
}

/**
 * Runs a lease test on a time-skipping server of its own. Sharing one server, the second lease
 * test's `env.sleep` never returned in the full suite (it passed alone); a fresh server costs
 * about two seconds and leaves nothing of another test's timers in the way.
 */
async function withOwnServer(fn: () => Promise<void>): Promise<void> {
  const shared = env;
  env = await startTimeSkippingEnv();
  try {
    await fn();
  } finally {
    await env.teardown();
    env = shared;
  }
}

class Ctx {
  readonly started: string[] = [];

  constructor(
    readonly taskQueue: string,
    readonly slotsId: string,
  ) {}

  hold(node: string, o: Partial<SlotHolderInput> = {}): Promise<WorkflowHandle<typeof slotHolder>> {
    const workflowId = uniqueId(`holder-${node}`);
    this.started.push(workflowId);
    return env.client.workflow.start<typeof slotHolder>('slotHolder', {
      taskQueue: this.taskQueue,
      workflowId,
      args: [{ node, slotsWorkflowId: this.slotsId, ...o }],
    });
  }

  state(): Promise<SlotsState> {
    return env.client.workflow.getHandle(this.slotsId).query(slotsStateQuery);
  }

  /** Waits until the semaphore's state satisfies `ok`; fails naming `what` after 20 s. */
  async until(what: string, ok: (s: SlotsState) => boolean): Promise<SlotsState> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const s = await this.state();
      if (ok(s)) return s;
      if (Date.now() > deadline) throw new Error(`semaphore never reached "${what}": ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Waits until `n` signals named `name` are in b's history with a workflow task completed after them. */
async function handled(h: WorkflowHandle, name: string, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = (await h.fetchHistory()).events ?? [];
    const signalled = events.flatMap((e, i) => (e.workflowExecutionSignaledEventAttributes?.signalName === name ? [i] : []));
    const last = signalled.at(-1) ?? events.length;
    const count = signalled.length;
    if (count >= n && events.slice(last).some((e) => e.workflowTaskCompletedEventAttributes)) return;
    if (Date.now() > deadline) throw new Error(`${h.workflowId} never handled ${n} "${name}" signal(s)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const holders = (s: SlotsState): string[] => s.held.map((h) => h.holder).sort();
const waiting = (s: SlotsState): string[] => s.queue.map((h) => h.holder).sort();
/** Everyone has asked: `n` requests are either held or queued. */
const asked = (n: number) => (s: SlotsState) => s.held.length + s.queue.length === n;

interface Metadata {
  definition: { signalDefinitions: Array<{ name: string }>; updateDefinitions: Array<{ name: string }> };
}

/** Long enough that w2 is seen waiting first; short enough to wait for in real time. */
const SHORT_LEASE_MS = 10_000;
/** Renewed every third of it (2 s): seconds of slack for a busy worker, two leases in ~12 s. */
const RENEWAL_LEASE_MS = 6_000;
const RENEWED_LEASES = 2;

describe('blast-radius semaphore', () => {
  // The lease tests skip time; they run first, while no other test's workflows have timers.
  it('a vanished holder loses its slot when the lease runs out', () =>
    withOwnServer(() => withWorker(async (t) => {
      const a = await t.hold('w1', { limit: 1 });
      await t.until('w1 held', (s) => s.held.length === 1);
      await a.terminate('vanished without releasing');
      const b = await t.hold('w2', { limit: 1 });
      await t.until('w2 asked', asked(2));
      expect(await b.query(progressQuery).then((p) => p.status)).toBe('running');
      // A short lease, waited for on state: env.sleep across a 30-minute lease stalled now and
      // then under CI load, while the lease rule is the same at any length.
      await t.until('w2 served after the lease ran out', (x) => holders(x).includes(b.workflowId));
      expect((await t.state()).held.map((h) => h.holder)).not.toContain(a.workflowId);
      await b.signal(finishSignal);
      expect(await b.result()).toBe('changed');
    }, SHORT_LEASE_MS)));

  it('a holder still changing its node renews its lease: no one else gets in after many leases', () =>
    withOwnServer(() => withWorker(async (t) => {
      const a = await t.hold('w1', { limit: 1 });
      await t.until('w1 held', (s) => s.held.length === 1);
      const b = await t.hold('w2', { limit: 1, waitMs: 24 * 60 * 60_000 });
      await t.until('w2 asked', asked(2));
      // Waited for on state, not with env.sleep (which stalled under load): w1 is still the
      // holder with its lease renewed past RENEWED_LEASES leases; had it not renewed, w2 would
      // hold the slot after one lease and the wait fails at once.
      const s = await waitFor(
        `w1 renewing past ${RENEWED_LEASES} leases of ${RENEWAL_LEASE_MS} ms`,
        async () => {
          const x = await t.state();
          const w1 = x.held.find((h) => h.holder === a.workflowId);
          if (!w1) throw new StopWaiting(`w1 lost its slot while still changing its node: ${JSON.stringify(x)}`);
          return (w1.renewedAtMs ?? w1.grantedAtMs) - w1.grantedAtMs > RENEWED_LEASES * RENEWAL_LEASE_MS ? x : undefined;
        },
        { timeoutMs: (RENEWED_LEASES + 4) * RENEWAL_LEASE_MS + 30_000, intervalMs: 200 },
      );
      expect(holders(s)).toEqual([a.workflowId]);
      expect(waiting(s)).toEqual([b.workflowId]);
      await a.signal(finishSignal);
      await t.until('w2 served once w1 released', (x) => holders(x).includes(b.workflowId));
      await b.signal(finishSignal);
    }, RENEWAL_LEASE_MS)));

  it('one change per node: a second request for a busy node waits, another node is served meanwhile', () =>
    withWorker(async (t) => {
      const a = await t.hold('w1', { limit: 3 });
      await t.until('w1 held', (s) => s.held.length === 1);
      const b = await t.hold('w1', { limit: 3 });
      const c = await t.hold('w2', { limit: 3 });
      const s = await t.until('w2 served, second w1 asked', (x) => asked(3)(x) && x.held.some((h) => h.node === 'w2'));
      expect(holders(s)).toEqual([a.workflowId, c.workflowId].sort());
      expect(waiting(s)).toEqual([b.workflowId]);
      await a.signal(finishSignal);
      expect(await a.result()).toBe('changed');
      const after = await t.until('second w1 served', (x) => x.held.some((h) => h.holder === b.workflowId));
      expect(holders(after)).toEqual([b.workflowId, c.workflowId].sort());
      for (const h of [b, c]) await h.signal(finishSignal);
    }));

  it('one voter at a time cluster-wide, whatever the limit; workers are not held up by it', () =>
    withWorker(async (t) => {
      const a = await t.hold('v1', { limit: 3 });
      await t.until('v1 held', (s) => s.held.length === 1);
      const b = await t.hold('v2', { limit: 3 });
      const c = await t.hold('w1', { limit: 3 });
      const s = await t.until('w1 served, v2 asked', (x) => asked(3)(x) && x.held.some((h) => h.node === 'w1'));
      expect(s.held.find((h) => h.node === 'v1')?.voter).toBe(true);
      expect(waiting(s)).toEqual([b.workflowId]);
      await a.signal(finishSignal);
      await t.until('v2 served after v1', (x) => x.held.some((h) => h.holder === b.workflowId));
      for (const h of [b, c]) await h.signal(finishSignal);
    }));

  it('the strictest limit applies: a holder with limit 1 keeps out a requester with limit 3', () =>
    withWorker(async (t) => {
      const a = await t.hold('w1', { limit: 1 });
      await t.until('w1 held', (s) => s.held.length === 1);
      const b = await t.hold('w2', { limit: 3 });
      const s = await t.until('w2 asked', asked(2));
      expect(waiting(s)).toEqual([b.workflowId]);
      await a.signal(finishSignal);
      await t.until('w2 served', (x) => holders(x).includes(b.workflowId));
      await b.signal(finishSignal);
    }));

  it('the strictest limit applies: a requester with limit 1 waits behind a holder with limit 3', () =>
    withWorker(async (t) => {
      const a = await t.hold('w1', { limit: 3 });
      await t.until('w1 held', (s) => s.held.length === 1);
      const b = await t.hold('w2', { limit: 1 });
      const s = await t.until('w2 asked', asked(2));
      expect(waiting(s)).toEqual([b.workflowId]);
      await a.signal(finishSignal);
      await t.until('w2 served', (x) => holders(x).includes(b.workflowId));
      await b.signal(finishSignal);
    }));

  it(`the default limit is ${RECOVERY_DEFAULTS.maxNodesRemediated}: a third node waits`, () =>
    withWorker(async (t) => {
      const first = [await t.hold('w1'), await t.hold('w2')];
      await t.until('two held', (s) => s.held.length === 2);
      const third = await t.hold('w3');
      const s = await t.until('third asked', asked(3));
      expect(s.held.map((h) => h.limit)).toEqual([2, 2]);
      expect(waiting(s)).toEqual([third.workflowId]);
      await first[0]!.signal(finishSignal);
      await t.until('third served', (x) => holders(x).includes(third.workflowId));
      for (const h of [first[1]!, third]) await h.signal(finishSignal);
    }));

  /**
   * w2 waits behind w1; the two grants `forge` makes from w2's waiting request id are sent to it.
   * Neither may let it start: it is still waiting, and changes only once w1 gives the slot back.
   */
  const grantsIgnored = (forge: (requestId: string) => [SlotGrant, SlotGrant]) => () =>
    withWorker(async (t) => {
      const a = await t.hold('w1', { limit: 1 });
      await t.until('w1 held', (s) => s.held.length === 1);
      const b = await t.hold('w2', { limit: 1 });
      await b.signal(finishSignal); // so b ends `changed` at once if anything lets it start
      await t.until('w2 asked', asked(2));
      for (const grant of forge((await t.state()).queue[0]!.requestId)) await b.signal(slotGrantedSignal, grant);
      await handled(b, 'slot-granted', 2);
      expect((await b.describe()).status.name).toBe('RUNNING');
      expect(waiting(await t.state())).toEqual([b.workflowId]);
      await a.signal(finishSignal);
      expect(await b.result()).toBe('changed');
    });

  it(
    'a stale grant (another request id) never lets a waiting procedure start its change',
    grantsIgnored((mine) => [{ requestId: mine.replace(/^[^:]+/, 'an-earlier-run') }, { requestId: mine.replace(/#\d+$/, '#99') }]),
  );

  // The slot messages are plumbing: what a client or the Web UI can send must not move a slot.
  it(
    'a forged grant (the waiting request id, without its secret key) never lets a procedure start its change',
    grantsIgnored((requestId) => [{ requestId }, { requestId, key: '00000000-0000-4000-8000-000000000000', leaseMs: 1_000 }]),
  );

  it('a forged release or renewal (the held request id, without its key) frees nothing', () =>
    withWorker(async (t) => {
      const a = await t.hold('w1', { limit: 1 });
      await t.until('w1 held', (s) => s.held.length === 1);
      const held = (await t.state()).held[0]!;
      const slots = env.client.workflow.getHandle(t.slotsId);
      await slots.signal(releaseSlotSignal, { requestId: held.requestId });
      await slots.signal(releaseSlotSignal, { requestId: held.requestId, key: 'guessed-but-wrong-key' });
      await slots.signal('renew-slot', { requestId: held.requestId });
      const b = await t.hold('w2', { limit: 1 });
      await t.until('w2 asked', asked(2));
      await handled(slots, 'acquire-slot', 2); // the forged messages came before b's request
      const s = await t.state();
      expect(holders(s)).toEqual([a.workflowId]);
      expect(s.held[0]!.renewedAtMs).toBeUndefined();
      expect(waiting(s)).toEqual([b.workflowId]);
      await a.signal(finishSignal);
      await t.until('w2 served after the real release', (x) => holders(x).includes(b.workflowId));
      await b.signal(finishSignal);
    }));

  it('requests with a limit outside 1..the configured maximum, or without a key, are refused and freeze nothing', () =>
    withWorker(
      async (t) => {
        const slots = env.client.workflow.getHandle(t.slotsId);
        const forged = { holder: 'someone', node: 'w9', key: 'a-key-long-enough-0001' };
        await slots.signal(acquireSlotSignal, { ...forged, requestId: 'forged#0', limit: 0 });
        await slots.signal(acquireSlotSignal, { ...forged, requestId: 'forged#3', limit: 3 });
        await slots.signal(acquireSlotSignal, { ...forged, requestId: 'forged#1.5', limit: 1.5 });
        await slots.signal(acquireSlotSignal, { holder: 'someone', node: 'w8', requestId: 'forged#keyless', limit: 2 });
        await handled(slots, 'acquire-slot', 4);
        expect(await t.state()).toMatchObject({ held: [], queue: [] });
        // Two real requests are granted together: neither a 0 nor a 1 was let in.
        const a = await t.hold('w1');
        const b = await t.hold('w2');
        await t.until('both served', (x) => holders(x).length === 2);
        for (const h of [a, b]) await h.signal(finishSignal);
      },
      undefined,
      2,
    ));

  it('the state query shows who holds and waits, never the secret keys', () =>
    withWorker(async (t) => {
      const a = await t.hold('w1', { limit: 1 });
      const b = await t.hold('w2', { limit: 1 });
      const s = await t.until('both asked', asked(2));
      for (const r of [...s.held, ...s.queue]) expect(Object.keys(r)).not.toContain('key');
      for (const h of [a, b]) await h.signal(finishSignal);
    }));

  it('no slot is held while a human decides', () =>
    withWorker(async (t) => {
      const workflowId = uniqueId('restart-p2p');
      t.started.push(workflowId);
      const p = await env.client.workflow.start<(i: unknown) => Promise<unknown>>('restart-p2p', {
        taskQueue: t.taskQueue,
        workflowId,
        args: [{ node: 'w1', dryRun: false, approval: { modes: { low: 'require', high: 'require' } }, slotsWorkflowId: t.slotsId }],
      });
      const deadline = Date.now() + 20_000;
      let progress: Progress;
      while ((progress = await p.query(progressQuery)).status !== 'awaiting-approval') {
        if (Date.now() > deadline) throw new Error(`restart-p2p never asked for approval: ${JSON.stringify(progress)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await t.state()).held).toEqual([]);
      // The Web UI's Send-a-Signal dialog offers what the workflow metadata lists: only the
      // operator's messages, never the slot plumbing (neither on a procedure nor on the semaphore).
      const meta = (h: WorkflowHandle): Promise<Metadata> => h.query<Metadata>('__temporal_workflow_metadata');
      const pm = await meta(p);
      expect(pm.definition.signalDefinitions.map((d) => d.name).sort()).toEqual(['approve', 'reject']);
      expect(pm.definition.updateDefinitions.map((d) => d.name)).toEqual(['decide']);
      expect((await meta(env.client.workflow.getHandle(t.slotsId))).definition.signalDefinitions).toEqual([]);
      // A change of the same node by someone else goes ahead meanwhile, even with limit 1.
      const other = await t.hold('w1', { limit: 1 });
      await t.until('other change of w1 served', (x) => holders(x).includes(other.workflowId));
      await other.signal(finishSignal);
      await p.signal(approveSignal, { by: 'ops' });
      await t.until('restart-p2p asks for its slot after the approval', (x) => x.queue.length + x.held.length === 1);
    }));
});
