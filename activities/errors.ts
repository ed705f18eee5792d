// Errors thrown by activities. The class name is the Temporal failure `type`. Permanent errors
// extend ApplicationFailure with `nonRetryable: true`, so they stop retries even when a workflow
// forgets `nonRetryableErrorTypes`; their names are also listed in NON_RETRYABLE_ERROR_TYPES for
// retry policies. Messages carry node names, addresses and file paths, never a secret.
import { ApplicationFailure } from '@temporalio/common';

function asError(cause: unknown): Error | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? cause : new Error(String(cause));
}

/** Base of the permanent errors: a non-retryable ApplicationFailure whose type is the class name. */
abstract class PermanentActivityError extends ApplicationFailure {
  constructor(type: string, message: string, cause?: unknown) {
    super(message, type, true, undefined, asError(cause));
  }
}

/** Thrown when the SSH server rejected our key (auth refused); retrying cannot help. */
export class SshAuthError extends PermanentActivityError {
  override readonly name = 'SshAuthError';
  constructor(
    readonly node: string,
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super('SshAuthError', `SSH authentication refused by ${node} (${address})`, options?.cause);
  }
}

/** Thrown when the host key presented by a node does not match its known_hosts entry. */
export class HostKeyMismatchError extends PermanentActivityError {
  override readonly name = 'HostKeyMismatchError';
  constructor(
    readonly node: string,
    readonly address: string,
    readonly knownHostsFile: string,
  ) {
    super('HostKeyMismatchError', `host key of ${node} (${address}) does not match ${knownHostsFile}`);
  }
}

/** Thrown when known_hosts has no entry for the node's address (strict host key checking). */
export class UnknownHostKeyError extends PermanentActivityError {
  override readonly name = 'UnknownHostKeyError';
  constructor(
    readonly node: string,
    readonly address: string,
    readonly knownHostsFile: string,
  ) {
    super('UnknownHostKeyError', `no host key for ${node} (${address}) in ${knownHostsFile}`);
  }
}

/** Thrown when the cluster config, or a file it points to (key, known_hosts, CLI), is unusable. */
export class ConfigInvalidError extends PermanentActivityError {
  override readonly name = 'ConfigInvalidError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ConfigInvalidError', message, options?.cause);
  }
}

/** Thrown when an activity is asked about a node that is not in the cluster config. */
export class UnknownNodeError extends PermanentActivityError {
  override readonly name = 'UnknownNodeError';
  constructor(readonly node: string) {
    super('UnknownNodeError', `unknown node "${node}": not one of the configured hosts`);
  }
}

/** Thrown when sshRun is asked for a step that is not in the SSH command catalog. */
export class UnknownSshStepError extends PermanentActivityError {
  override readonly name = 'UnknownSshStepError';
  constructor(readonly step: string) {
    super('UnknownSshStepError', `unknown SSH step "${step}": not in the command catalog`);
  }
}

/** Thrown when an admin API call is needed but RUNBOOK_ADMIN_KEY was not provided. */
export class AdminKeyMissingError extends PermanentActivityError {
  override readonly name = 'AdminKeyMissingError';
  constructor() {
    super('AdminKeyMissingError', 'the admin API needs RUNBOOK_ADMIN_KEY, which is not set');
  }
}

/** Thrown when the admin API rejects the admin key (HTTP 401/403). */
export class AdminAuthError extends PermanentActivityError {
  override readonly name = 'AdminAuthError';
  constructor(
    readonly url: string,
    readonly httpStatus: number,
  ) {
    super('AdminAuthError', `admin API refused the admin key: HTTP ${httpStatus} from ${url}`);
  }
}

/** Thrown when an SSH connection cannot be established (refused, timeout, reset); retryable. */
export class SshConnectError extends Error {
  override readonly name = 'SshConnectError';
  constructor(
    readonly node: string,
    readonly address: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot open SSH to ${node} (${address}): ${reason}`, options);
  }
}

/** Thrown when the admin API is unreachable, answers 5xx, or returns an unexpected body; retryable. */
export class AdminApiError extends Error {
  override readonly name: string = 'AdminApiError';
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`admin API ${url}: ${reason}`, options);
  }
}

/**
 * Thrown when the admin API gives no answer at all (connection refused, timeout, reset, or the
 * coordinator unreachable over SSH); retryable. An outage, not a stalled sync (§4.4): repair-sync
 * escalates on it and never forces a resync.
 */
export class AdminUnreachableError extends AdminApiError {
  override readonly name = 'AdminUnreachableError';
}

/** Thrown when the P2P admin endpoint of a node cannot be reached at all; retryable. */
export class P2pUnreachableError extends Error {
  override readonly name = 'P2pUnreachableError';
  constructor(
    readonly node: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`P2P API of ${node} unreachable: ${reason}`, options);
  }
}

/** Thrown when tailscaled (LocalAPI socket or CLI) does not give a usable status; retryable. */
export class TailscaleUnavailableError extends Error {
  override readonly name = 'TailscaleUnavailableError';
  constructor(
    readonly source: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`tailscale status from ${source}: ${reason}`, options);
  }
}

/** Thrown when the hosts file changed between update-hosts' detection and its write. */
export class HostsFileChangedError extends PermanentActivityError {
  override readonly name = 'HostsFileChangedError';
  constructor(readonly file: string) {
    super('HostsFileChangedError', `${file} changed since the patch was proposed; run update-hosts again`);
  }
}

/** Thrown when a proposed address change does not fit the hosts file (node gone, address differs, not an IP address). */
export class HostsPatchMismatchError extends PermanentActivityError {
  override readonly name = 'HostsPatchMismatchError';
  constructor(message: string) {
    super('HostsPatchMismatchError', message);
  }
}

export { NON_RETRYABLE_ERROR_TYPES } from '../src/domain/error-types.js';
