import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sessionTokenFor, WireBridge } from '../../test/client/wire-bridge.js';
import { ManualClock } from '../clock.js';
import type { Connection } from '../core/types.js';
import { createTokenbridgeClient, type TokenbridgeClientOptions } from './client.js';
import type { GisOauth2 } from './popup.js';

const AUTH = 'https://www.googleapis.com/auth/';
const clock = new ManualClock(Date.parse('2026-03-01T09:00:00Z'));

let bridge: WireBridge;
let issued: number;

beforeEach(async () => {
  bridge = await new WireBridge().start();
  issued = 0;
});

afterEach(async () => {
  await bridge.stop();
});

const connection: Connection = {
  userId: 'user_ada',
  status: 'active',
  source: 'oauth',
  google: { sub: '109876543210', email: 'ada@example.com' },
  scopes: ['email', 'openid', `${AUTH}drive.readonly`],
  accessTokenExpiresAt: '2026-03-01T10:00:00.000Z',
  lastRefreshAt: '2026-03-01T09:00:00.000Z',
  lastError: null,
  reconnectReason: null,
  refreshTokenExpiresAt: null,
  createdAt: '2026-03-01T08:00:00.000Z',
  updatedAt: '2026-03-01T09:00:00.000Z',
};

function client(options: TokenbridgeClientOptions = {}) {
  return createTokenbridgeClient({
    baseUrl: bridge.url,
    clock,
    currentPath: () => '/files',
    getSessionToken: () => sessionTokenFor('user_ada'),
    ...options,
  });
}

/** The bridge: a connection endpoint, a token endpoint that grants anything, the popup code endpoint. */
function bridgeWith(state: { connected: boolean }) {
  bridge.answer((request) => {
    if (request.path === '/api/google/connection' && request.method === 'GET') {
      return {
        status: 200,
        body: {
          connection: state.connected ? connection : null,
          connectUrl: `${bridge.url}/connect/google?scope=drive.readonly`,
        },
      };
    }
    if (request.path === '/api/google/connection' && request.method === 'DELETE') {
      state.connected = false;
      return { status: 204 };
    }
    if (request.path === '/api/google/code' && request.method === 'POST') {
      if (String(request.headers['x-requested-with']).toLowerCase() !== 'xmlhttprequest') {
        return { status: 400, body: { error: { code: 'invalid_request', message: 'X-Requested-With is required.' } } };
      }
      const { code } = JSON.parse(request.body) as { code: string };
      if (code !== 'good-code')
        return { status: 400, body: { error: { code: 'invalid_grant', message: 'Bad code.' } } };
      state.connected = true;
      return { status: 200, body: { connection } };
    }
    if (request.path === '/api/google-token') {
      issued++;
      return {
        status: 200,
        body: {
          accessToken: `ya29.token-${issued}`,
          tokenType: 'Bearer',
          expiresAt: new Date(clock.now() + 3600_000).toISOString(),
          scopes: [`${AUTH}drive.readonly`],
          source: 'oauth',
          google: connection.google,
        },
      };
    }
    return { status: 404, body: { error: { code: 'not_found', message: 'No route.' } } };
  });
}

/** Google Identity Services' code model as a page would see it, answering the popup with `answer`. */
function gisAnswering(answer: { code?: string; error?: string } | { type: string }) {
  const opened: { client_id: string; scope: string; ux_mode: string }[] = [];
  const gis: GisOauth2 = {
    initCodeClient(config) {
      return {
        requestCode() {
          opened.push({ client_id: config.client_id, scope: config.scope, ux_mode: config.ux_mode });
          queueMicrotask(() => ('type' in answer ? config.error_callback?.(answer) : config.callback(answer)));
        },
      };
    },
  };
  return { gis, opened };
}

describe('connection()', () => {
  it('describes the signed-in user’s connection with a connect URL back to the current page', async () => {
    bridgeWith({ connected: true });
    const result = await client().connection();

    expect(result).toMatchObject({ ok: true, connection: { status: 'active', google: { email: 'ada@example.com' } } });
    if (!result.ok) throw new Error('expected ok');
    expect(new URL(result.connectUrl).searchParams.get('return_to')).toBe('/files');
    expect(bridge.to('/api/google/connection')[0]!.headers.authorization).toMatch(/^Bearer /);
  });

  it('asks the bridge to check with Google only when told to (once when a page loads)', async () => {
    bridgeWith({ connected: true });
    const tokenbridge = client();
    await tokenbridge.connection({ checkWithGoogle: true });
    await tokenbridge.connection();
    const asked = bridge.to('/api/google/connection').map((request) => request.query.get('check'));
    expect(asked).toEqual(['google', null]);
  });

  it('answers connection: null when the user has not connected Google', async () => {
    bridgeWith({ connected: false });
    expect(await client().connection()).toMatchObject({ ok: true, connection: null });
  });

  it('answers unauthenticated when signed out', async () => {
    bridge.answer(() => ({ status: 401, body: { error: { code: 'unauthenticated', message: 'Sign in.' } } }));
    expect(await client().connection()).toEqual({ ok: false, reason: 'unauthenticated' });
  });
});

describe('disconnect()', () => {
  it('deletes the connection, empties the cache, and is idempotent', async () => {
    const state = { connected: true };
    bridgeWith(state);
    const tokenbridge = client();
    await tokenbridge.getGoogleToken(['drive.readonly']);

    expect(await tokenbridge.disconnect()).toEqual({ ok: true });
    expect(await tokenbridge.disconnect()).toEqual({ ok: true });
    expect(bridge.to('/api/google/connection').map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
    expect(state.connected).toBe(false);

    await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(bridge.to('/api/google-token')).toHaveLength(2);
  });
});

describe('connectWithPopup()', () => {
  it('asks Google for the scopes in a popup and hands the code to the bridge', async () => {
    const state = { connected: false };
    bridgeWith(state);
    const { gis, opened } = gisAnswering({ code: 'good-code', scope: `openid email ${AUTH}drive.readonly` } as {
      code: string;
    });
    const tokenbridge = client({ popup: { clientId: 'client-123.apps.googleusercontent.com', gis: () => gis } });

    const result = await tokenbridge.connectWithPopup(['drive.readonly']);

    expect(result).toMatchObject({ ok: true, connection: { google: { email: 'ada@example.com' } } });
    expect(opened).toEqual([
      {
        client_id: 'client-123.apps.googleusercontent.com',
        scope: `openid email ${AUTH}drive.readonly`,
        ux_mode: 'popup',
      },
    ]);
    const [post] = bridge.to('/api/google/code');
    expect(post!.method).toBe('POST');
    expect(post!.headers['x-requested-with']).toBe('XmlHttpRequest');
    expect(post!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post!.body)).toEqual({ code: 'good-code' });
    expect(state.connected).toBe(true);
  });

  it('is offered on a not_connected result and connects for the requested scopes', async () => {
    bridge.answer((request) =>
      request.path === '/api/google-token'
        ? {
            status: 409,
            body: { error: { code: 'not_connected', message: 'Not connected.', connectUrl: '/connect/google' } },
          }
        : { status: 200, body: { connection } },
    );
    const { gis, opened } = gisAnswering({ code: 'good-code' });
    const result = await client({ popup: { clientId: 'cid', gis: () => gis } }).getGoogleToken(['contacts.readonly']);
    if (result.ok || result.reason !== 'not_connected') throw new Error('expected not_connected');

    expect(await result.connectWithPopup()).toMatchObject({ ok: true });
    expect(opened[0]!.scope).toBe(`openid email ${AUTH}contacts.readonly`);
  });

  it('answers cancelled when the user closes the popup or denies consent', async () => {
    bridgeWith({ connected: false });
    const closed = gisAnswering({ type: 'popup_closed' });
    expect(await client({ popup: { clientId: 'cid', gis: () => closed.gis } }).connectWithPopup(['drive'])).toEqual({
      ok: false,
      reason: 'cancelled',
      error: 'popup_closed',
    });
    const denied = gisAnswering({ error: 'access_denied' });
    expect(await client({ popup: { clientId: 'cid', gis: () => denied.gis } }).connectWithPopup(['drive'])).toEqual({
      ok: false,
      reason: 'cancelled',
      error: 'access_denied',
    });
    expect(bridge.to('/api/google/code')).toHaveLength(0);
  });

  it('throws the bridge’s error when the code is refused', async () => {
    bridgeWith({ connected: false });
    const { gis } = gisAnswering({ code: 'stale-code' });
    await expect(
      client({ popup: { clientId: 'cid', gis: () => gis } }).connectWithPopup(['drive']),
    ).rejects.toMatchObject({
      name: 'TokenbridgeClientError',
      code: 'invalid_grant',
      status: 400,
    });
  });

  it('throws popup_unavailable without the popup option or without Google Identity Services', async () => {
    await expect(client().connectWithPopup(['drive'])).rejects.toMatchObject({ code: 'popup_unavailable' });
    await expect(
      client({ popup: { clientId: 'cid', gis: () => undefined } }).connectWithPopup(['drive']),
    ).rejects.toMatchObject({ code: 'popup_unavailable' });
  });
});
