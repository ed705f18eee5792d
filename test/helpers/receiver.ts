// A local HTTP receiver standing in for Slack, PagerDuty or any webhook: records every request
// body and answers with the status the test scripts (202 by default).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  body: string;
  json: unknown;
  at: number;
  /** Request headers, lower-case names (a body signature rides in one). */
  headers: Record<string, string | string[] | undefined>;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status for the n-th request (1-based). */
  answer: (n: number) => number;
  close(): Promise<void>;
}

export async function startReceiver(host: string, path = '/hook', answer: (n: number) => number = () => 202): Promise<Receiver> {
  const received: Received[] = [];
  const r: Receiver = { url: '', received, answer, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      received.push({ path: req.url ?? '', body, json, at: Date.now(), headers: req.headers });
      res.statusCode = r.answer(received.length);
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  r.url = `http://${host}:${port}${path}`;
  r.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return r;
}
