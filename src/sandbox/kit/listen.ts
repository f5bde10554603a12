import type { FastifyInstance } from 'fastify';

/** A server that is listening, with the origin it can be reached at. */
export interface Listening {
  /** Origin such as `http://127.0.0.1:40123`, without a trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a Fastify app on `host`/`port` (default `127.0.0.1`, port 0 = any free port) and returns its URL.
 *
 * @example
 * const { url, close } = await listen(app, { port: 0 });
 */
export async function listen(app: FastifyInstance, options: { host?: string; port?: number } = {}): Promise<Listening> {
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('The server is not listening on a TCP port.');
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close: () => {
      // Keep-alive sockets held by clients (undici, gaxios) would otherwise keep close() waiting.
      closing ??= (async () => {
        app.server.closeIdleConnections?.();
        await app.close();
      })();
      return closing;
    },
  };
}
