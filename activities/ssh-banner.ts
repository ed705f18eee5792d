// §3.2 SSH reachability without logging in: TCP connect and read the server's identification line.
import { connect } from 'node:net';

const MAX_PRELUDE_BYTES = 4096;

/**
 * Resolves with the identification line ("SSH-2.0-…") or rejects: network errors keep their code,
 * a server that answers something else rejects with code "ENOTSSH".
 */
export function readSshBanner(address: string, port: number, signal: AbortSignal, connectTimeoutMs?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const socket = connect({ host: address, port });
    const connectTimer =
      connectTimeoutMs === undefined
        ? undefined
        : setTimeout(() => done(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), connectTimeoutMs);
    socket.once('connect', () => clearTimeout(connectTimer));
    let buffered = '';
    const done = (err: unknown, banner?: string): void => {
      clearTimeout(connectTimer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(banner!);
    };
    const onAbort = (): void => done(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      // RFC 4253 §4.2: the server may send other lines before the identification string.
      const lines = buffered.split('\n');
      for (const line of lines.slice(0, -1)) {
        if (line.startsWith('SSH-')) return done(undefined, line.replace(/\r$/, ''));
      }
      if (buffered.length > MAX_PRELUDE_BYTES) done(Object.assign(new Error('no SSH banner'), { code: 'ENOTSSH' }));
    });
    socket.on('error', (err) => done(err));
    socket.on('end', () => done(Object.assign(new Error('closed before SSH banner'), { code: 'ECONNRESET' })));
  });
}

/** SSH-2.0 servers, and SSH-1.99 ones that also speak version 2. */
export function isSsh2Banner(banner: string): boolean {
  return banner.startsWith('SSH-2.0-') || banner.startsWith('SSH-1.99-');
}
