// Exit codes are a contract (DESIGN §5): 0 ok, 1 procedure failed/escalated, 2 usage or config error.
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Thrown by a command when the user's input (flags, files, config) is wrong; exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Thrown by a command when the procedure it ran failed or escalated; exits 1. */
export class ProcedureFailedError extends Error {
  override readonly name = 'ProcedureFailedError';
}
