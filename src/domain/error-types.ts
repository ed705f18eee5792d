// Failure types that retrying cannot fix: refused credentials, host keys, bad config, unknown
// names, a hosts file edited meanwhile. Activities throw them as non-retryable failures and
// every workflow retry policy lists them. Plain data, so workflow code may import it too.
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = [
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
