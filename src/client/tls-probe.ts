// grpc-js reports a failed TLS handshake only as "Failed to connect before the deadline". One
// plain TLS handshake with the same material tells the operator why (unknown CA, wrong name, …).
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { TemporalConnectionConfig } from '../temporal/connection-config.js';

/** The handshake's error message, or undefined when the handshake itself succeeds. */
export function tlsHandshakeError(cfg: TemporalConnectionConfig, timeoutMs = 5000): Promise<string | undefined> {
  const tls = cfg.connectionOptions.tls;
  if (tls === undefined || tls === null || tls === false) return Promise.resolve(undefined);
  const opts = tls === true ? {} : tls;
  const sep = cfg.address.lastIndexOf(':');
  const host = cfg.address.slice(0, sep).replace(/^\[|\]$/g, '');
  const port = Number(cfg.address.slice(sep + 1));
  const servername = opts.serverNameOverride ?? (isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      ALPNProtocols: ['h2'],
      ...(servername !== undefined && { servername }),
      ...(opts.serverRootCACertificate && { ca: Buffer.from(opts.serverRootCACertificate) }),
      ...(opts.clientCertPair && { cert: Buffer.from(opts.clientCertPair.crt), key: Buffer.from(opts.clientCertPair.key) }),
    });
    const finish = (result: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(`no TLS handshake within ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => finish(undefined));
    socket.once('error', (err) => finish(err.message));
  });
}
