import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as errors from '../../activities/errors.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../../activities/errors.js';
import { hostKeyAlgorithms, lookupName, parseKnownHosts, patternsMatch, verifyHostKey } from '../../activities/transport/known-hosts.js';
import { keyPair, publicBlob } from './helpers.js';

const a = publicBlob(keyPair().public);
const b = publicBlob(keyPair().public);
const blob = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');

describe('known_hosts', () => {
  it('parses plain, bracketed, hashed, wildcard, negated and marker lines', () => {
    const salt = Buffer.from('0123456789abcdefghij');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('10.0.0.15').digest('base64')}`;
    const entries = parseKnownHosts(
      [
        '# comment',
        '',
        `node-a,100.64.0.2 ${a} comment here`,
        `[100.64.0.3]:2222 ${a}`,
        `${hashed} ${b}`,
        `*.ts.net,!evil.ts.net ${a}`,
        `@revoked 100.64.0.9 ${b}`,
        `@cert-authority *.example ${b}`,
        'garbage',
      ].join('\n'),
    );
    expect(entries).toHaveLength(6);
    expect(verifyHostKey(entries, ['100.64.0.2'], blob(a))).toBe('match');
    expect(verifyHostKey(entries, ['100.64.0.2'], blob(b))).toBe('mismatch');
    expect(verifyHostKey(entries, [lookupName('100.64.0.3', 2222)], blob(a))).toBe('match');
    expect(verifyHostKey(entries, ['100.64.0.3'], blob(a))).toBe('unknown');
    expect(verifyHostKey(entries, ['10.0.0.15'], blob(b))).toBe('match');
    expect(verifyHostKey(entries, ['gpu.ts.net'], blob(a))).toBe('match');
    expect(verifyHostKey(entries, ['evil.ts.net'], blob(a))).toBe('unknown');
    expect(verifyHostKey(entries, ['100.64.0.9'], blob(b))).toBe('revoked');
    expect(verifyHostKey(entries, ['x.example'], blob(b))).toBe('unknown');
  });

  it('matches host names case-insensitively and offers only known key algorithms', () => {
    expect(patternsMatch('Node-A', 'node-a')).toBe(true);
    expect(lookupName('1.2.3.4', 22)).toBe('1.2.3.4');
    expect(hostKeyAlgorithms(parseKnownHosts(`h ${a}\nh ssh-rsa AAAAB3NzaC1yc2E=`))).toEqual([
      'ssh-ed25519',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
  });
});

describe('error classes', () => {
  it('lists exactly the non-retryable classes, each with its class name as failure type', () => {
    const all: Error[] = [
      new errors.SshAuthError('n', 'a'),
      new errors.HostKeyMismatchError('n', 'a', 'kh'),
      new errors.UnknownHostKeyError('n', 'a', 'kh'),
      new errors.ConfigInvalidError('bad'),
      new errors.UnknownNodeError('n'),
      new errors.UnknownSshStepError('s'),
      new errors.AdminKeyMissingError(),
      new errors.AdminAuthError('u', 401),
      new errors.HostsFileChangedError('f'),
      new errors.HostsPatchMismatchError('m'),
      new errors.SshConnectError('n', 'a', 'timeout'),
      new errors.AdminApiError('u', 'HTTP 503'),
      new errors.AdminUnreachableError('u', 'ECONNREFUSED'),
      new errors.P2pUnreachableError('n', 'timeout'),
      new errors.TailscaleUnavailableError('cli', 'timeout'),
    ];
    const exported = Object.values(errors).filter((v) => typeof v === 'function');
    expect(exported).toHaveLength(all.length);
    for (const e of all) {
      expect(e.name).toBe(e.constructor.name);
      const failure = e as { type?: string; nonRetryable?: boolean };
      if (NON_RETRYABLE_ERROR_TYPES.includes(e.name)) expect(failure).toMatchObject({ type: e.name, nonRetryable: true });
      else expect(failure.nonRetryable).toBeUndefined();
    }
    expect(all.filter((e) => (e as { nonRetryable?: boolean }).nonRetryable).map((e) => e.name).sort()).toEqual(
      [...NON_RETRYABLE_ERROR_TYPES].sort(),
    );
  });
});
