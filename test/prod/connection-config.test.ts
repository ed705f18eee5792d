// How envconfig profiles and TEMPORAL_* variables become connection options (DESIGN §10).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTemporalConnection } from '../../src/temporal/connection-config.js';

const dir = mkdtempSync(join(tmpdir(), 'runbook-envconfig-'));
const toml = join(dir, 'temporal.toml');
writeFileSync(
  toml,
  '[profile.default]\naddress = "temporal.internal:7233"\n\n' +
    '[profile.cloud]\naddress = "ns.acct.tmprl.cloud:7233"\nnamespace = "ns.acct"\napi_key = "profile-api-key-123"\n',
);

describe('resolveTemporalConnection', () => {
  it('an API key from a profile reaches the connection options, with TLS on', () => {
    const cfg = resolveTemporalConnection({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
    expect(cfg.connectionOptions.apiKey).toBe('profile-api-key-123');
    expect(cfg.connectionOptions.address).toBe('ns.acct.tmprl.cloud:7233');
    expect(cfg.connectionOptions.tls).toBe(true);
    expect(cfg.namespace).toBe('ns.acct');
    expect(cfg.origin).toBe(`profile "cloud" in ${toml}`);
  });

  it('TEMPORAL_* variables override the profile', () => {
    const cfg = resolveTemporalConnection({
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_ADDRESS: 'other:7233',
      TEMPORAL_API_KEY: 'env-key-456',
    });
    expect(cfg.address).toBe('other:7233');
    expect(cfg.connectionOptions.apiKey).toBe('env-key-456');
  });

  it('without file or variables: the embedded dev server, plain text', () => {
    const cfg = resolveTemporalConnection({ HOME: dir });
    expect(cfg.address).toBe('127.0.0.1:7233');
    expect(cfg.namespace).toBe('default');
    expect(cfg.tls).toBe(false);
    expect(cfg.connectionOptions.apiKey).toBeUndefined();
  });

  it('the default profile of the file is used when TEMPORAL_PROFILE is unset', () => {
    expect(resolveTemporalConnection({ TEMPORAL_CONFIG_FILE: toml }).address).toBe('temporal.internal:7233');
  });

  it('an unknown profile, an unknown key or a missing file is an error that names it', () => {
    expect(() => resolveTemporalConnection({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' })).toThrow(
      `profile "prod" (TEMPORAL_PROFILE) is not defined in ${toml}`,
    );
    expect(() => resolveTemporalConnection({ TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') })).toThrow(
      `TEMPORAL_CONFIG_FILE names ${join(dir, 'nope.toml')}, which does not exist`,
    );
    const typo = join(dir, 'typo.toml');
    writeFileSync(typo, '[profile.default]\nadress = "x:1"\n');
    expect(() => resolveTemporalConnection({ TEMPORAL_CONFIG_FILE: typo })).toThrow(/profile "default" in .*typo\.toml.*unrecognized.*adress/);
  });

  it('a TLS file named by a variable is reported under that variable', () => {
    expect(() =>
      resolveTemporalConnection({ HOME: dir, TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'none.pem') }),
    ).toThrow(`TEMPORAL_TLS_SERVER_CA_CERT_PATH: file ${join(dir, 'none.pem')} does not exist`);
  });
});
