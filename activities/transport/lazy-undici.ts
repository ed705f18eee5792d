// undici loads on the first HTTP call, not when the worker starts: its index pulls in fetch,
// WebSocket, the cache and the mocks (~110 modules, about a third of a second of CPU here), and
// a worker that has not yet run an activity needs none of it (target: worker ready < 1 s).
import type * as Undici from 'undici';
import type { Agent, Dispatcher } from 'undici';

let undici: Promise<typeof Undici> | undefined;

/** The undici module, imported once on first use. */
export function loadUndici(): Promise<typeof Undici> {
  return (undici ??= import('undici'));
}

/** An undici Agent created (and undici loaded) by the first request that uses it. */
export class LazyAgent {
  #agent: Promise<Agent> | undefined;

  constructor(private readonly options: Agent.Options) {}

  /** The Agent, created on the first call. */
  get(): Promise<Agent> {
    return (this.#agent ??= loadUndici().then((u) => new u.Agent(this.options)));
  }

  /** Destroys the Agent if one was ever created (nothing to do otherwise). */
  async destroy(): Promise<void> {
    if (this.#agent !== undefined) await (await this.#agent).destroy();
  }

  /** Closes the Agent gracefully if one was ever created. */
  async close(): Promise<void> {
    if (this.#agent !== undefined) await (await this.#agent).close();
  }
}

/** What the HTTP helpers accept: a LazyAgent (the activities'), or any undici Dispatcher (tests). */
export type HttpDispatcher = Dispatcher | LazyAgent;

export async function resolveDispatcher(d: HttpDispatcher): Promise<Dispatcher> {
  return d instanceof LazyAgent ? d.get() : d;
}
