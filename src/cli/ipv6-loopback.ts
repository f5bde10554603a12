import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';

/**
 * Makes `server`, listening on 127.0.0.1, reachable at `[::1]` on the same port too, so `http://[::1]:3000` opens the
 * sandbox like `http://127.0.0.1:3000` (and `localhost` works whichever address the browser tries first). Connections
 * accepted on ::1 are handed to `server` as its own. Resolves with a close function, or undefined when this machine
 * has no IPv6 loopback or the port is taken there (the IPv4 names still work).
 *
 * @example
 * const closeV6 = await alsoListenOnIpv6Loopback(server, 3000);
 */
export async function alsoListenOnIpv6Loopback(
  server: Server,
  port: number,
): Promise<(() => Promise<void>) | undefined> {
  const relay = createTcpServer((socket) => server.emit('connection', socket));
  const listening = await new Promise<boolean>((resolve) => {
    relay.once('error', () => resolve(false));
    relay.listen({ host: '::1', port, ipv6Only: true }, () => resolve(true));
  });
  if (!listening) return undefined;
  return () => new Promise<void>((resolve) => relay.close(() => resolve()));
}
