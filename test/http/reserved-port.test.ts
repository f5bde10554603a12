import { createServer } from 'node:http';
import { exportSPKI, generateKeyPair } from 'jose';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { reservePort } from '../../src/cli/service.js';
import { buildServer } from '../../src/http/server.js';
import { fakeBridge, testConfig } from './fixtures.js';

// The sandbox listens before it builds the bridge (the port makes the redirect URI). A browser reloading the console
// meanwhile must get an answer, and must never reach Fastify while its plugins load.

const server = createServer();

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function ask(port: number, path: string) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

describe('a port reserved before the bridge is built', () => {
  it('answers 503 starting with Retry-After until the app is ready, then only the app answers', async () => {
    const port = await reservePort(server, '127.0.0.1', 0);
    const starting = {
      status: 503,
      retryAfter: '1',
      body: { error: { code: 'starting', message: 'Tokenbridge is starting. Try again in a moment.' } },
    };
    await expect(ask(port, '/healthz')).resolves.toEqual(starting);

    const { publicKey } = await generateKeyPair('RS256');
    const app = await buildServer({
      config: testConfig(await exportSPKI(publicKey)),
      bridge: fakeBridge(),
      store: { ping: async () => {}, appendAudit: async () => {} },
      logger: pino({ level: 'silent' }),
      server,
    });
    // Built but not ready: still the placeholder.
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
