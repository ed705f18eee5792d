// A TLS-terminating proxy in front of a plain-text Temporal frontend, like a load balancer in
// front of a secured cluster: ALPN h2, client certificates required and checked against the CA.
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';

export interface TlsProxy {
  address: string;
  /** Connections that completed the handshake with a client certificate from the CA. */
  readonly authorized: number;
  /** Handshakes the proxy refused (no certificate, unknown CA, …). */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startTlsProxy(opts: { target: string; cert: string; key: string; ca: string }): Promise<TlsProxy> {
  const [host, port] = [opts.target.slice(0, opts.target.lastIndexOf(':')), Number(opts.target.slice(opts.target.lastIndexOf(':') + 1))];
  let authorized = 0;
  let refused = 0;
  const sockets = new Set<Socket>();
  const server = createServer(
    {
      cert: readFileSync(opts.cert),
      key: readFileSync(opts.key),
      ca: readFileSync(opts.ca),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (client: TLSSocket) => {
      authorized++;
      const upstream = connect({ host, port });
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const done = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', done).on('close', done);
      upstream.on('error', done).on('close', done);
    },
  );
  server.on('tlsClientError', () => refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get authorized() {
      return authorized;
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
