// Errors of the simulator's public API.

/** Thrown for an unknown node or fault, a fault aimed at the wrong kind of target, or bad options. */
export class SimUsageError extends Error {
  override readonly name = 'SimUsageError';
}
