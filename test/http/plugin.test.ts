import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createTokenbridgeRouter } from '../../src/express/index.js';
import { tokenbridgePlugin } from '../../src/fastify/index.js';
import { createTokenbridgeHandlers } from '../../src/next/index.js';
import { fakeBridge, sampleToken } from './fixtures.js';

// tokenbridge/fastify in a host app: mounted where publicUrl says, encapsulated (the host's own routes keep their
// answers), and identifying users through the host's `identify` when given. The full contract against real Clerk and
// Google emulators is test/contract/http-contract.test.ts.

const publicUrl = 'https://app.example.com/api/tokenbridge';
const store = { health: async () => ({ database: 'ok' as const, locks: 'ok' as const, changeFeed: 'ok' as const }) };
const config = { publicUrl, google: { clientId: 'client' } };

describe('the Fastify plugin in a host app', () => {
  it('refuses to load under a prefix other than publicUrl’s path, saying both', async () => {
    const app = Fastify();
    await expect(
      app.register(tokenbridgePlugin, { prefix: '/bridge', config, bridge: fakeBridge(), store, identify: () => null }),
    ).rejects.toThrow('registered under "/bridge" but its publicUrl\'s path is "/api/tokenbridge"');
    await app.close();
  });

  it('refuses to load with neither Clerk keys nor an identify hook', async () => {
    const app = Fastify();
    await expect(app.register(tokenbridgePlugin, { config, bridge: fakeBridge(), store })).rejects.toThrow(
      'needs config.clerk',
    );
    await app.close();
  });

  it('mounts itself at publicUrl’s path without a prefix, asks identify for the user, and leaves the host’s routes alone', async () => {
    const bridge = fakeBridge({ getAccessToken: async () => sampleToken() });
    const app = Fastify();
    app.get('/mine', async () => ({ mine: true }));
    await app.register(tokenbridgePlugin, {
      config,
      bridge,
      store,
      identify: (request) => (request.headers['x-test-user'] === 'ada' ? { userId: 'user_ada' } : null),
    });

    const token = await app.inject({
      url: '/api/tokenbridge/api/google-token?scope=drive.readonly',
      headers: { 'x-test-user': 'ada' },
    });
    expect(token.statusCode).toBe(200);
    expect(token.json()).toMatchObject({ accessToken: 'ya29.sample-access-token' });
    expect(bridge.calls).toContainEqual(['getAccessToken', expect.anything()]);
    expect(token.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    );

    const anonymous = await app.inject({ url: '/api/tokenbridge/api/google-token?scope=drive.readonly' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'unauthenticated' } });

    const mine = await app.inject({ url: '/mine' });
    expect(mine.json()).toEqual({ mine: true });
    expect(mine.headers['content-security-policy']).toBeUndefined();
    await app.close();
  });
});

describe('the Express router', () => {
  it('refuses a request whose body a parser read before it, instead of waiting for a body that never comes', async () => {
    const tokenbridge = createTokenbridgeRouter({
      config,
      bridge: fakeBridge(),
      store,
      auth: () => ({ userId: 'user_ada' }),
    });
    const app = express();
    app.use(express.json());
    app.use('/api/tokenbridge', tokenbridge.router);
    const errors: unknown[] = [];
    app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(error);
      res.status(500).json({ error: { code: 'internal_error' } });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/api/tokenbridge/api/google-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['drive.readonly'] }),
    });
    expect(response.status).toBe(500);
    expect(String(errors[0])).toContain('mount the router before express.json()');
    await tokenbridge.close();
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('the Next handlers without an auth option', () => {
  // Without @clerk/nextjs installed, asking for a user is a configuration_error that names the package: proven where
  // it is absent, in test/package/installed-package.test.ts. Here it is installed (for examples/nextjs).
  it('serve routes that need no user without loading @clerk/nextjs', async () => {
    const tokenbridge = createTokenbridgeHandlers({ config, bridge: fakeBridge(), store });
    const health = await tokenbridge.GET(new Request('https://app.example.com/api/tokenbridge/healthz'));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    await tokenbridge.close();
  });
});

describe('the Next handlers made from a function', () => {
  it('call it once, on the first request rather than at import, and again after it failed', async () => {
    let calls = 0;
    let fail = true;
    const tokenbridge = createTokenbridgeHandlers(async () => {
      calls++;
      if (fail) throw new Error('TOKENBRIDGE_ENCRYPTION_KEYS is not set');
      const bridge = fakeBridge({ getAccessToken: async (_userId, options) => sampleToken(options?.scopes) });
      return { config, bridge, store, auth: () => ({ userId: 'user_1' }) };
    });
    expect(calls).toBe(0);
    const healthz = new Request('https://app.example.com/api/tokenbridge/healthz');
    await expect(tokenbridge.GET(healthz)).rejects.toThrow('TOKENBRIDGE_ENCRYPTION_KEYS is not set');
    fail = false;
    expect((await tokenbridge.GET(healthz)).status).toBe(200);
    const token = await tokenbridge.googleToken(['drive.readonly']);
    expect(token).toEqual({ ok: true, token: sampleToken(['https://www.googleapis.com/auth/drive.readonly']) });
    expect(calls).toBe(2);
    await tokenbridge.close();
  });
});
