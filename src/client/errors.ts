// Errors of the client side, free of heavy imports so the CLI can map them to exit codes
// without loading the Temporal client.

/** Thrown when the connection settings are wrong or Temporal does not answer; the message names the profile. */
export class TemporalConnectError extends Error {
  override readonly name = 'TemporalConnectError';
}
