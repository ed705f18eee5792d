// Where and how every process reaches Temporal (DESIGN §10): Temporal's own convention through
// @temporalio/envconfig (profiles in temporal.toml, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE). The worker, the CLI and (later) the
// webhook all resolve their connection here, so a profile that works for one works for all.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientConfigProfile,
  type ClientConfigTLS,
  type ConfigDataSource,
  loadClientConfigProfile,
  toClientOptions,
} from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

/** The embedded dev server (`npm start`) when nothing else is configured. */
export const DEFAULT_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_NAMESPACE = 'default';

/** Thrown when the connection settings are wrong (unknown profile, unreadable or invalid TLS files). */
export class ConnectionConfigError extends Error {
  override readonly name = 'ConnectionConfigError';
}

export interface TemporalConnectionConfig {
  /** Profile name, from TEMPORAL_PROFILE or "default". */
  profile: string;
  /** Human description for messages: the profile and the file it came from, or the environment. */
  origin: string;
  address: string;
  namespace: string;
  /** Options for both `Connection.connect` (client) and `NativeConnection.connect` (worker). */
  connectionOptions: NativeConnectionOptions;
  /** True when the connection uses TLS (profile TLS, TEMPORAL_TLS, or an API key). */
  tls: boolean;
  /** True when a client certificate is presented (mTLS). */
  clientCert: boolean;
}

/** The file envconfig reads: TEMPORAL_CONFIG_FILE, else the user's temporalio/temporal.toml. */
export function temporalConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env['TEMPORAL_CONFIG_FILE']) return env['TEMPORAL_CONFIG_FILE'];
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] ?? homedir(), '.config');
  return join(base, 'temporalio', 'temporal.toml');
}

type TlsField = 'clientCert' | 'clientKey' | 'serverCACert';
const TLS_NAMES: Record<TlsField, { toml: string; env: string }> = {
  clientCert: { toml: 'client_cert', env: 'TEMPORAL_TLS_CLIENT_CERT' },
  clientKey: { toml: 'client_key', env: 'TEMPORAL_TLS_CLIENT_KEY' },
  serverCACert: { toml: 'server_ca_cert', env: 'TEMPORAL_TLS_SERVER_CA_CERT' },
};

/** Loads the profile and checks its TLS material before any connection attempt. */
export function resolveTemporalConnection(env: NodeJS.ProcessEnv = process.env): TemporalConnectionConfig {
  const file = temporalConfigFile(env);
  const profileName = env['TEMPORAL_PROFILE'] || 'default';
  const fileExists = existsSync(file);
  const origin = fileExists
    ? `profile "${profileName}" in ${file}`
    : `the environment (no ${file}${env['TEMPORAL_CONFIG_FILE'] ? ', set by TEMPORAL_CONFIG_FILE' : ''})`;
  if (!fileExists && env['TEMPORAL_CONFIG_FILE']) {
    throw new ConnectionConfigError(`TEMPORAL_CONFIG_FILE names ${file}, which does not exist`);
  }
  if (!fileExists && env['TEMPORAL_PROFILE'] && env['TEMPORAL_PROFILE'] !== 'default') {
    throw new ConnectionConfigError(`TEMPORAL_PROFILE is "${profileName}" but there is no config file ${file} (set TEMPORAL_CONFIG_FILE)`);
  }

  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({
      profile: profileName,
      configFileStrict: true,
      overrideEnvVars: definedOnly(env),
      ...(fileExists ? { configSource: { path: file } } : { disableFile: true }),
    });
  } catch (err) {
    const message = (err as Error).message;
    if (/not found in config data/.test(message)) {
      throw new ConnectionConfigError(`profile "${profileName}" (TEMPORAL_PROFILE) is not defined in ${file}`);
    }
    throw new ConnectionConfigError(`cannot read Temporal connection ${origin}: ${message}`, { cause: err });
  }

  const where = (field: TlsField, kind: 'path' | 'data'): string =>
    env[`${TLS_NAMES[field].env}_${kind.toUpperCase()}`]
      ? `${TLS_NAMES[field].env}_${kind.toUpperCase()}`
      : `tls.${TLS_NAMES[field].toml}_${kind} of profile "${profileName}" in ${file}`;
  checkTls(profile.tls, where);

  const { connectionOptions, namespace } = toClientOptions(profile);
  const address = profile.address ?? DEFAULT_ADDRESS;
  const tls = connectionOptions.tls !== undefined && connectionOptions.tls !== false;
  return {
    profile: profileName,
    origin,
    address,
    namespace: namespace ?? DEFAULT_NAMESPACE,
    connectionOptions: { ...connectionOptions, address },
    tls,
    clientCert: typeof connectionOptions.tls === 'object' && connectionOptions.tls !== null && connectionOptions.tls.clientCertPair !== undefined,
  };
}

/** envconfig treats any present key as set; an empty variable (compose's `${X:-}`) means unset. */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

function readSource(src: ConfigDataSource, describe: () => string): Buffer {
  if ('data' in src) return typeof src.data === 'string' ? Buffer.from(src.data) : Buffer.from(src.data);
  if (!existsSync(src.path)) throw new ConnectionConfigError(`${describe()}: file ${src.path} does not exist`);
  try {
    return readFileSync(src.path);
  } catch (err) {
    throw new ConnectionConfigError(`${describe()}: cannot read ${src.path}: ${(err as Error).message}`);
  }
}

/** Missing files, non-PEM content, a key that does not match its certificate: named here, not as a handshake failure. */
function checkTls(tls: ClientConfigTLS | undefined, where: (field: TlsField, kind: 'path' | 'data') => string): void {
  if (tls === undefined || tls.disabled === true) return;
  const describe = (field: TlsField) => () => where(field, tls[field] && 'path' in tls[field] ? 'path' : 'data');
  let ca: Buffer | undefined;
  let cert: X509Certificate | undefined;
  if (tls.serverCACert) {
    ca = readSource(tls.serverCACert, describe('serverCACert'));
    try {
      new X509Certificate(ca);
    } catch (err) {
      throw new ConnectionConfigError(`${describe('serverCACert')()}: not a PEM certificate (${(err as Error).message})`);
    }
  }
  if (tls.clientCert) {
    const buf = readSource(tls.clientCert, describe('clientCert'));
    try {
      cert = new X509Certificate(buf);
    } catch (err) {
      throw new ConnectionConfigError(`${describe('clientCert')()}: not a PEM certificate (${(err as Error).message})`);
    }
  }
  if (tls.clientKey) {
    const buf = readSource(tls.clientKey, describe('clientKey'));
    let key;
    try {
      key = createPrivateKey(buf);
    } catch (err) {
      throw new ConnectionConfigError(`${describe('clientKey')()}: not a PEM private key (${(err as Error).message})`);
    }
    if (cert && !cert.checkPrivateKey(key)) {
      throw new ConnectionConfigError(`${describe('clientKey')()}: does not match the client certificate ${describe('clientCert')()}`);
    }
  }
  if (Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
    const missing: TlsField = tls.clientCert ? 'clientKey' : 'clientCert';
    throw new ConnectionConfigError(`${where(missing, 'path')} is missing: a client certificate needs its key and vice versa`);
  }
}

/** Why a connection attempt failed, in words that point at the setting to fix. */
export function connectFailureMessage(cfg: TemporalConnectionConfig, err: unknown): string {
  const reason = err instanceof Error ? err.message : String(err);
  let hint: string;
  if (cfg.tls && !cfg.clientCert) {
    hint = `TLS without a client certificate; if the server requires mTLS, set tls.client_cert_path and tls.client_key_path in profile "${cfg.profile}" (or TEMPORAL_TLS_CLIENT_CERT_PATH/_KEY_PATH)`;
  } else if (cfg.tls) {
    hint = `check that tls.server_ca_cert_path of profile "${cfg.profile}" (or TEMPORAL_TLS_SERVER_CA_CERT_PATH) is the CA that signed the server's certificate, and that the server accepts this client certificate`;
  } else {
    hint = cfg.address === DEFAULT_ADDRESS ? 'start the embedded stack with `npm start`, or configure a profile / TEMPORAL_ADDRESS' : 'is the server up, and does it expect TLS (profile tls, or TEMPORAL_TLS=true)?';
  }
  return `cannot reach Temporal at ${cfg.address} (namespace ${cfg.namespace}, ${cfg.origin}${cfg.tls ? ', TLS' : ''}): ${reason}. Hint: ${hint}`;
}
