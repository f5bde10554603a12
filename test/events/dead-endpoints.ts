import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';

/**
 * A URL on this machine where nothing listens: a port the OS handed out and that was closed again, so connecting to
 * it is refused (ECONNREFUSED), as when the app is down.
 */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks/tokenbridge`;
}

/** An endpoint that accepts connections and reads what is sent, and never answers. */
export interface SilentEndpoint {
  url: string;
  /** Bytes received so far, all connections together (a request was sent when this is not empty). */
  received(): string;
  /** Resolves once `count` connections have been closed by the other side, having given up waiting. */
  hungUp(count?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a {@link SilentEndpoint} on a free port: what a hung app or a black-holing proxy looks like. */
export async function startSilentEndpoint(): Promise<SilentEndpoint> {
  const sockets = new Set<Socket>();
  const chunks: Buffer[] = [];
  let closedByPeer = 0;
  const waiters = new Set<() => void>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      closedByPeer++;
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/tokenbridge`,
    received: () => Buffer.concat(chunks).toString('utf8'),
    hungUp(count = 1) {
      return new Promise((resolve) => {
        const check = () => {
          if (closedByPeer < count) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      waiters.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
