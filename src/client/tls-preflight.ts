// A process that must start while Temporal may still be away (the webhook: DESIGN §8 answers
// 503 until Temporal is back) connects lazily, so a TLS profile that can never work would only
// show up as 503s. One raw TLS exchange at start tells the two apart: the peer refusing our
// certificate material is a configuration error (exit at start, naming the profile); nobody
// listening, or a proxy whose backend is down, is Temporal being away (start anyway).
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TemporalConnectionConfig } from '../temporal/connection-config.js';

export type TlsPreflight =
  /** The server completed the handshake and spoke HTTP/2 to us. */
  | { verdict: 'ok' }
  /** TCP connected but TLS failed: wrong CA, no or rejected client certificate, wrong name. */
  | { verdict: 'refused'; reason: string }
  /** Nothing to judge the TLS settings by: no listener, reset, closed, or silent. */
  | { verdict: 'unreachable'; reason: string };

/** HTTP/2 client connection preface and an empty SETTINGS frame (RFC 9113 §3.4): a server answers with its SETTINGS. */
const H2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
/** Transport errors that say nothing about the TLS settings. */
const TRANSPORT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function tlsPreflight(cfg: TemporalConnectionConfig, timeoutMs = 5000): Promise<TlsPreflight> {
  const tls = cfg.connectionOptions.tls;
  if (tls === undefined || tls === null || tls === false) return Promise.resolve({ verdict: 'ok' });
  const opts = tls === true ? {} : tls;
  const sep = cfg.address.lastIndexOf(':');
  const host = cfg.address.slice(0, sep).replace(/^\[|\]$/g, '');
  const port = Number(cfg.address.slice(sep + 1));
  return new Promise((resolve) => {
    const tcp = tcpConnect({ host, port });
    let secure: ReturnType<typeof tlsConnect> | undefined;
    const finish = (result: TlsPreflight): void => {
      clearTimeout(timer);
      secure?.destroy();
      tcp.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ verdict: 'unreachable', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    tcp.once('error', (err: NodeJS.ErrnoException) => finish({ verdict: 'unreachable', reason: err.message }));
    tcp.once('connect', () => {
      tcp.removeAllListeners('error');
      const servername = opts.serverNameOverride ?? (/^[\d.]+$|:/.test(host) ? undefined : host);
      secure = tlsConnect({
        socket: tcp,
        ALPNProtocols: ['h2'],
        ...(servername !== undefined && { servername }),
        ...(opts.serverRootCACertificate && { ca: Buffer.from(opts.serverRootCACertificate) }),
        ...(opts.clientCertPair && { cert: Buffer.from(opts.clientCertPair.crt), key: Buffer.from(opts.clientCertPair.key) }),
      });
      // TLS 1.3 completes the client's side before the server has checked our certificate: only
      // the server's first frame (or its alert) says whether it accepted us.
      secure.once('secureConnect', () => secure!.write(H2_PREFACE));
      secure.once('data', () => finish({ verdict: 'ok' }));
      secure.once('error', (err: NodeJS.ErrnoException) =>
        finish(TRANSPORT_CODES.has(err.code ?? '') ? { verdict: 'unreachable', reason: err.message } : { verdict: 'refused', reason: err.message }),
      );
      secure.once('close', () => finish({ verdict: 'unreachable', reason: 'the server closed the connection' }));
    });
  });
}
