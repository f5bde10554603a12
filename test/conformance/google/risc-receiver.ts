import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got. */
export interface ReceivedSet {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A Security Event Token receiver for tests: records every POST and answers `status` (202 by default). */
export interface TestReceiver {
  url: string;
  received: ReceivedSet[];
  /** What the next deliveries are answered with. */
  answer(status: number, body?: string): void;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startReceiver(path = '/risc'): Promise<TestReceiver> {
  const received: ReceivedSet[] = [];
  let status = 202;
  let body = '';
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(status, body === '' ? {} : { 'content-type': 'application/json' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answer: (next, nextBody = '') => {
      status = next;
      body = nextBody;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
