// Failure types that retrying cannot fix (auth refused, host key mismatch, bad config, …).
// Workflows cannot import activities/ as values, so the list lives here; a test checks it
// matches activities/errors.ts.
export const NON_RETRYABLE = [
  'HostKeyMismatchError',
  'UnknownHostKeyError',
  'SshAuthError',
  'UnknownNodeError',
  'AdminKeyMissingError',
  'AdminAuthError',
  'ConfigError',
  'UnsafeCatalogParameterError',
  'UnknownSshStepError',
];
