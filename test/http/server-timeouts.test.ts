import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './fixtures.js';

/**
 * The server's deadlines and connection cap, driven by what the server does (it answers, it closes the socket),
 * never by sleeping: the deadlines are set to a second here so each case ends quickly, and nothing asserts a time.
 */
type TestServer = Awaited<ReturnType<typeof startTestServer>>;
let server: TestServer;
let capped: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    config: {
      serverLimits: {
        headersTimeoutSeconds: 1,
        requestTimeoutSeconds: 2,
        keepAliveTimeoutSeconds: 1,
        maxConnections: 64,
      },
    },
  });
  capped = await startTestServer({
    config: {
      serverLimits: {
        headersTimeoutSeconds: 10,
        requestTimeoutSeconds: 30,
        keepAliveTimeoutSeconds: 30,
        maxConnections: 2,
      },
    },
  });
});
afterAll(async () => {
  await server.close();
  await capped.close();
});

/** Resolves when `socket` closes; unlike `once(socket, 'close')`, an 'error' before it (a write after a hang-up) is no failure. */
function closedOf(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** A raw client socket, with everything the server sends collected and its closing observable. */
async function rawClient(target: TestServer) {
  const socket = connect(Number(new URL(target.url).port), '127.0.0.1');
  // Writing after the server hung up is expected here; the close is what the tests wait for.
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  const closed = closedOf(socket);
  await once(socket, 'connect');
  return { socket, closed, received: () => received };
}

describe('server deadlines and connection cap', () => {
  it('a slowloris client (headers sent byte by byte, never finished) is cut off with 408 while normal requests keep being served', async () => {
    const slow = await rawClient(server);
    let open = true;
    void slow.closed.then(() => {
      open = false;
    });
    const head = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(4000)}`;
    let sent = 0;
    let served = 0;
    // One more header byte per normal request served: the slow client trickles exactly as long as the server keeps it.
    while (open) {
      if (sent < head.length) slow.socket.write(head[sent++]!);
      // A connection of its own each time: a pooled keep-alive socket could be the one the 1 s idle deadline closes.
      const answer = await fetch(`${server.url}/healthz`, { headers: { connection: 'close' } });
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
      served++;
    }
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.received()).toContain('"code":"request_timeout"');
    expect(served).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/healthz`, { headers: { connection: 'close' } })).status).toBe(200);
  });

  it('a request whose body never finishes is cut off with 408 at the request deadline', async () => {
    const slow = await rawClient(server);
    slow.socket.write(
      'POST /api/google-token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sc',
    );
    await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('an idle keep-alive connection is let go after the keep-alive timeout, which every answer announces', async () => {
    const client = await rawClient(server);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received()).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i);
  });

  it('past the connection cap a new connection is closed at once; a freed slot is served again', async () => {
    const accepted: Socket[] = [];
    const onConnection = (socket: Socket) => void accepted.push(socket);
    capped.app.server.on('connection', onConnection);
    try {
      const first = await rawClient(capped);
      const second = await rawClient(capped);
      const dropped = once(capped.app.server, 'drop');
      const third = await rawClient(capped).catch(() => undefined);
      await dropped;
      if (third) await third.closed;
      expect(third?.received() ?? '').toBe('');
      // Freeing a slot: the server sees the close, then serves the next client.
      const freed = closedOf(accepted[0]!);
      first.socket.destroy();
      await freed;
      const answer = await fetch(`${capped.url}/healthz`, { headers: { connection: 'close' } });
      expect(answer.status).toBe(200);
      second.socket.destroy();
    } finally {
      capped.app.server.off('connection', onConnection);
    }
  });
});
