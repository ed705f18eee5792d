// The Temporal SDK's client package, loaded with require() instead of an ES import. The SDK ships
// CommonJS; an ES import of it makes Node first scan the source of the package's index and of
// every module it re-exports (cjs-module-lexer) to find the named exports, then run them all the
// same. For @temporalio/client that scan was about a fifth of `runbook status`'s CPU time
// on every command; require() skips it. Same module instances (one cache), so `instanceof` still holds
// against classes imported the ordinary way elsewhere.
import { createRequire } from 'node:module';
import type * as TemporalClientNs from '@temporalio/client';

type TemporalClientModule = typeof TemporalClientNs;

const require = createRequire(import.meta.url);

/** `@temporalio/client`, loaded on the first call. */
export function temporalClient(): TemporalClientModule {
  return require('@temporalio/client') as TemporalClientModule;
}
