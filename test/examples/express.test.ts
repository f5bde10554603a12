import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import type { Sandbox } from '../../src/cli/sandbox.js';
import { connectUrlBuilder } from '../../src/express/index.js';
import { createTokenBridge, Keyring, openStore, type Store, type TokenBridge } from '../../src/index.js';
import { type BrowserSignIn, signInByEmail } from '../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../src/sandbox/google/index.js';
import { EXAMPLE_CLIENT, sandboxForApp } from './sandbox-app.js';

const APP_URL = 'http://localhost:4012';
/** Where the app mounts the bridge's router. */
const MOUNT = '/api/tokenbridge';

describe('the Express example against the sandbox', () => {
  let sandbox: Sandbox;
  let store: Store;
  let bridge: TokenBridge;
  let server: Server;
  let base: string;
  let ada: BrowserSignIn;
  let closeApp: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    sandbox = await sandboxForApp(APP_URL, `${MOUNT}/oauth/google/callback`);
    store = await openStore(':memory:');
    await store.migrate();
    const clerk = { secretKey: sandbox.clerk.secretKey, apiUrl: sandbox.clerk.url };
    bridge = createTokenBridge({
      store,
      keyring: Keyring.parse(Keyring.generate('k1')),
      google: {
        ...EXAMPLE_CLIENT,
        redirectUri: `${APP_URL}${MOUNT}/oauth/google/callback`,
        baseUrl: sandbox.google.url,
      },
      clerk,
      connectUrl: connectUrlBuilder(`${APP_URL}${MOUNT}`),
    });
    const example = createApp({
      bridge,
      store,
      appUrl: APP_URL,
      clerk: { ...clerk, publishableKey: sandbox.clerk.publishableKey, proxyUrl: sandbox.clerk.url },
      googleClientId: EXAMPLE_CLIENT.clientId,
      googleApisUrl: sandbox.google.url,
    });
    closeApp = example.close;
    server = example.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ada = await signInByEmail(sandbox.clerk, 'ada@example.com', { redirectUrl: `${APP_URL}/` });
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await closeApp?.();
    await bridge?.close();
    await store?.close();
    await sandbox?.close();
  });

  const get = (path: string, who?: BrowserSignIn) =>
    fetch(`${base}${path}`, {
      headers: who ? { cookie: who.appCookieHeader } : {},
      redirect: 'manual',
    });

  it('answers not_connected as JSON, with the connect URL under the mount, before the user connects', async () => {
    const response = await get('/drive/files', ada);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      error: { code: 'not_connected', connectUrl: `${APP_URL}${MOUNT}/connect/google?scope=drive.readonly` },
    });
  });

  it('connects through Google consent and then reads Drive with the token', async () => {
    const start = await get(`${MOUNT}/connect/google?scope=drive.readonly&return_to=/files`, ada);
    expect(start.status).toBe(302);
    const back = await completeConsent(start.headers.get('location')!, { account: 'ada@example.com' });
    const done = await get(`${back.pathname}${back.search}`, ada);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/files?google_connect=connected');

    const files = await get('/drive/files', ada);
    expect(files.status).toBe(200);
    expect(((await files.json()) as { files: unknown[] }).files.length).toBeGreaterThan(0);
  });

  it('refuses a missing or forged session with 401 unauthenticated', async () => {
    expect((await get('/drive/files')).status).toBe(401);
    const forged = await fetch(`${base}/drive/files`, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it('a replayed callback is refused with invalid_state, not a 500', async () => {
    const response = await get(`${MOUNT}/oauth/google/callback?state=used-or-forged&code=4/whatever`, ada);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_state');
  });
});
