import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { exportSPKI, generateKeyPair } from 'jose';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { reservePort, startService } from '../../src/cli/service.js';
import { buildServer } from '../../src/http/server.js';
import { fakeBridge, testConfig } from './fixtures.js';

// The edges of a server's life: the sandbox listens before it builds the bridge (the port makes the redirect URI),
// and a stopping server must not wait forever on a client that never finishes its request.

async function ask(port: number, path: string) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

const jwtKey = async () => exportSPKI((await generateKeyPair('RS256')).publicKey);

describe('a port reserved before the bridge is built', () => {
  it('answers 503 starting with Retry-After until the app is ready, then only the app answers', async () => {
    const server = createServer();
    const port = await reservePort(server, '127.0.0.1', 0);
    const starting = {
      status: 503,
      retryAfter: '1',
      body: { error: { code: 'starting', message: 'Tokenbridge is starting. Try again in a moment.' } },
    };
    await expect(ask(port, '/healthz')).resolves.toEqual(starting);

    const app = await buildServer({
      config: testConfig(await jwtKey()),
      bridge: fakeBridge(),
      store: {
        health: async () => ({ database: 'ok', locks: 'ok', changeFeed: 'ok' }),
      },
      logger: pino({ level: 'silent' }),
      server,
    });
    // Built but not ready: a request reaching Fastify now would find no routes (and crash it), so the placeholder stays.
    await expect(ask(port, '/api/google-token')).resolves.toEqual(starting);

    await app.ready();
    await expect(ask(port, '/healthz')).resolves.toMatchObject({ status: 200, retryAfter: null });
    await expect(ask(port, '/api/google-token')).resolves.toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated' } },
    });
    await app.close();
  });
});

describe('stopping', () => {
  it('cuts a request that never finishes once the grace period is over, and closes', async () => {
    const config = testConfig(await jwtKey(), { encryptionKeys: `k1:${randomBytes(32).toString('base64')}` });
    const service = await startService(config, { logger: pino({ level: 'silent' }), shutdownGraceMs: 50 });
    // A client announces a body it never sends: the request stays in flight.
    const socket = connect(service.port, '127.0.0.1');
    const cut = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const inFlight = new Promise<void>((resolve) => service.app.server.once('request', () => resolve()));
    socket.write(
      'POST /webhooks/clerk HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    await inFlight;

    await service.close();
    await cut;
    expect(service.app.server.listening).toBe(false);
  });
});
