// Errors of a rehearsal that the CLI maps to its exit codes (DESIGN §5).

/** Thrown for a request that cannot be rehearsed (unknown procedure, fault, node or alert; a busy subnet); exits 2. */
export class RehearseUsageError extends Error {
  override readonly name = 'RehearseUsageError';
}

/** Thrown when Ctrl-C (or the caller's signal) stopped the rehearsal; everything was torn down. */
export class RehearsalInterrupted extends Error {
  override readonly name = 'RehearsalInterrupted';
}
