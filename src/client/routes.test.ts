import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WireBridge } from '../../test/client/wire-bridge.js';
import { createTokenbridgeClient, type TokenbridgeClientOptions } from './client.js';
import type { GisOauth2 } from './popup.js';

// An app that mounts the bridge's routes under its own paths (as examples/ do) uses the client unchanged: it names
// its paths once, and every call, connect URL and popup code goes there.

const AUTH = 'https://www.googleapis.com/auth/';
const CONNECTION = {
  status: 'active',
  source: 'oauth',
  scopes: ['email', `${AUTH}drive.readonly`],
  google: { sub: '1', email: 'ada@example.com' },
};

let bridge: WireBridge;
let navigations: string[];

beforeEach(async () => {
  bridge = await new WireBridge().start();
  navigations = [];
  bridge.answer((request) => {
    const path = request.path;
    if (path === '/app/auth/token') {
      return {
        status: 200,
        body: {
          accessToken: 'ya29.routed',
          tokenType: 'Bearer',
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          scopes: [`${AUTH}drive.readonly`],
          source: 'oauth',
          google: CONNECTION.google,
        },
      };
    }
    if (path === '/app/auth/connection' && request.method === 'GET') return { status: 200, body: CONNECTION };
    if (path === '/app/auth/connection' && request.method === 'DELETE') return { status: 204 };
    if (path === '/app/auth/code') return { status: 200, body: { connection: CONNECTION } };
    if (path === '/app/google/drive/drive/v3/files') return { status: 200, body: { files: [] } };
    return { status: 404, body: { error: { code: 'not_found', message: `No route ${path}.` } } };
  });
});

afterEach(async () => {
  await bridge.stop();
});

const routed = (options: TokenbridgeClientOptions = {}) =>
  createTokenbridgeClient({
    baseUrl: `${bridge.url}/app`,
    routes: {
      token: '/auth/token',
      connection: '/auth/connection',
      code: '/auth/code',
      connect: '/auth/google/start',
      proxy: '/google/',
    },
    navigate: (url) => navigations.push(url),
    currentPath: () => '/settings',
    ...options,
  });

describe('configurable routes', () => {
  it('the token, connection, disconnect and proxy calls go to the app’s own paths under the base URL', async () => {
    const client = routed();
    expect(await client.getGoogleToken(['drive.readonly'])).toMatchObject({
      ok: true,
      token: { accessToken: 'ya29.routed' },
    });
    expect(await client.connection()).toMatchObject({ ok: true, connection: { status: 'active' } });
    expect(await client.googleApi('drive', 'drive/v3/files')).toEqual({ ok: true, status: 200, body: { files: [] } });
    expect(await client.disconnect()).toEqual({ ok: true });
    expect(bridge.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /app/auth/token',
      'GET /app/auth/connection',
      'GET /app/google/drive/drive/v3/files',
      'DELETE /app/auth/connection',
    ]);
  });

  it('connect() and connectUrl() use the app’s connect path, with return_to', () => {
    const client = routed();
    expect(client.connectUrl(['drive.readonly'])).toBe(
      `${bridge.url}/app/auth/google/start?scope=drive.readonly&return_to=%2Fsettings`,
    );
    client.connect(['gmail.readonly'], { returnTo: '/inbox' });
    expect(navigations).toEqual([`${bridge.url}/app/auth/google/start?scope=gmail.readonly&return_to=%2Finbox`]);
  });

  it('the popup’s code goes to the app’s code path', async () => {
    const gis: GisOauth2 = {
      initCodeClient: (config) => ({ requestCode: () => queueMicrotask(() => config.callback({ code: 'c1' })) }),
    };
    const result = await routed({ popup: { clientId: 'cid', gis: () => gis } }).connectWithPopup(['drive.readonly']);
    expect(result).toMatchObject({ ok: true, connection: { status: 'active' } });
    expect(bridge.to('/app/auth/code').map((r) => JSON.parse(r.body))).toEqual([{ code: 'c1' }]);
  });

  it('a route given as an absolute URL is used as it is; the others keep their defaults', async () => {
    const client = createTokenbridgeClient({
      baseUrl: 'https://bridge.example.com',
      routes: { connect: `${bridge.url}/elsewhere/connect` },
      currentPath: () => '/',
    });
    expect(client.connectUrl([])).toBe(`${bridge.url}/elsewhere/connect?return_to=%2F`);
    const defaults = createTokenbridgeClient({ baseUrl: 'https://bridge.example.com', currentPath: () => '/' });
    expect(defaults.connectUrl(['drive'])).toBe('https://bridge.example.com/connect/google?scope=drive&return_to=%2F');
  });
});
