// Failure types that retrying cannot fix (auth refused, host key mismatch, bad config, …).
// Workflows cannot import activities/ as values, so the list is repeated here; a test checks
// it equals NON_RETRYABLE_ERROR_TYPES of activities/errors.ts.
export const NON_RETRYABLE = [
  'HostsFileChangedError',
  'HostsPatchMismatchError',
  'SshAuthError',
  'HostKeyMismatchError',
  'UnknownHostKeyError',
  'ConfigInvalidError',
  'UnknownNodeError',
  'UnknownSshStepError',
  'AdminKeyMissingError',
  'AdminAuthError',
];
