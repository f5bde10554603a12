import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenbridgeClient, type GisOauth2, type TokenbridgeClient } from '../../src/client/index.js';
import type { ManualClock } from '../../src/clock.js';
import type { ServiceConfig } from '../../src/config/env.js';
import { createTokenBridge } from '../../src/core/bridge.js';
import { Keyring } from '../../src/core/keyring.js';
import type { Scheduler } from '../../src/core/retry.js';
import type { TokenBridge } from '../../src/core/types.js';
import { connectUrlBuilder } from '../../src/http/connect-url.js';
import { buildServer } from '../../src/http/server.js';
import {
  ConsentPageError,
  completeConsent,
  DEFAULT_CLIENT,
  type GoogleEmulator,
  startGoogleEmulator,
} from '../../src/sandbox/google/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { FrozenClock } from '../support/frozen-clock.js';

/**
 * The browser client against the real bridge: the Fastify server, the core on SQLite and the Google emulator. Clerk
 * session tokens are signed with a key the bridge verifies networklessly (CLERK_JWT_KEY), as in production.
 */

const AUTH = 'https://www.googleapis.com/auth/';
const ADA = 'ada@example.com';
const USER = 'user_ada';
const noWait: Scheduler = { sleep: async () => {} };

let clock: ManualClock;
let google: GoogleEmulator;
let store: Store;
let bridge: TokenBridge;
let app: Awaited<ReturnType<typeof buildServer>>;
let publicUrl: string;
let dir: string;
let signSession: () => Promise<string>;
let navigations: string[];

beforeAll(async () => {
  clock = new FrozenClock();
  google = await startGoogleEmulator({ clock });
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  google.control.registerClient({
    ...DEFAULT_CLIENT,
    redirectUris: [`${publicUrl}/oauth/google/callback`],
    javascriptOrigins: [publicUrl],
  });

  dir = mkdtempSync(join(tmpdir(), 'tb-client-'));
  store = await openStore(join(dir, 'tokenbridge.db'), { clock });
  await store.migrate();
  const keyring = Keyring.generate('test');
  const connectUrl = connectUrlBuilder(publicUrl);
  bridge = createTokenBridge({
    store,
    keyring: Keyring.parse(keyring),
    google: {
      clientId: DEFAULT_CLIENT.clientId,
      clientSecret: DEFAULT_CLIENT.clientSecret,
      redirectUri: `${publicUrl}/oauth/google/callback`,
      baseUrl: google.url,
    },
    tokenSource: 'oauth',
    connectUrl: (scopes) => connectUrl(scopes),
    clock,
    scheduler: noWait,
  });

  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const config: ServiceConfig = {
    port: 0,
    host: '127.0.0.1',
    publicUrl,
    databaseUrl: join(dir, 'tokenbridge.db'),
    clerk: {
      secretKey: 'sk_test_networkless',
      publishableKey: undefined,
      apiUrl: undefined,
      jwtKey: await exportSPKI(publicKey),
      authorizedParties: [publicUrl],
      webhookSigningSecret: undefined,
    },
    google: {
      clientId: DEFAULT_CLIENT.clientId,
      clientSecret: DEFAULT_CLIENT.clientSecret,
      redirectUri: `${publicUrl}/oauth/google/callback`,
      baseUrl: google.url,
    },
    tokenSource: 'oauth',
    encryptionKeys: keyring,
    apiKeys: [],
    corsOrigins: [],
    logLevel: 'silent',
  };
  app = await buildServer({ config, bridge, store, logger: pino({ level: 'silent' }), clock, server });
  await app.ready();

  // @clerk/backend checks a session token's times against the real clock, whatever the bridge's clock says.
  signSession = () => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sid: 'sess_ada', azp: publicUrl })
      .setProtectedHeader({ alg: 'RS256', kid: 'ins_test' })
      .setSubject(USER)
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5)
      .setExpirationTime(now + 60)
      .sign(privateKey);
  };
});

afterAll(async () => {
  await app?.close();
  await bridge?.close();
  await store?.close();
  await google?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The page: the client as an app would create it, Bearer session from "Clerk", popup through the emulator's GIS. */
function page(): TokenbridgeClient {
  navigations = [];
  return createTokenbridgeClient({
    baseUrl: publicUrl,
    getSessionToken: signSession,
    clock,
    currentPath: () => '/files',
    navigate: (url) => navigations.push(url),
    popup: { clientId: DEFAULT_CLIENT.clientId, gis: () => emulatorGis(ADA) },
  });
}

/**
 * What the browser does after `connect()`: opens the connect URL with the `__session` cookie, consents at Google as
 * `account`, and follows Google's redirect back to the bridge's callback. Returns where the bridge sends the user.
 */
async function browserConnects(connectUrl: string, account: string, grant?: string[]): Promise<URL> {
  const cookie = `__session=${await signSession()}`;
  const start = await fetch(connectUrl, { headers: { cookie }, redirect: 'manual' });
  expect(start.status).toBe(302);
  const callback = await completeConsent(start.headers.get('location')!, { account, ...(grant ? { grant } : {}) });
  const back = await fetch(`${publicUrl}${callback.pathname}${callback.search}`, {
    headers: { cookie: `${cookie}; ${start.headers.get('set-cookie')?.split(';')[0] ?? ''}` },
    redirect: 'manual',
  });
  expect(back.status).toBe(302);
  return new URL(back.headers.get('location')!, publicUrl);
}

/** Google Identity Services' code model, played against the emulator's popup for `account`. */
function emulatorGis(account: string): GisOauth2 {
  return {
    initCodeClient(config) {
      return {
        requestCode() {
          const url = new URL('/o/oauth2/v2/auth', google.url);
          url.search = new URLSearchParams({
            client_id: config.client_id,
            redirect_uri: 'postmessage',
            origin: publicUrl,
            response_type: 'code',
            access_type: 'offline',
            include_granted_scopes: 'true',
            scope: config.scope,
          }).toString();
          completeConsent(url.toString(), { account }).then(
            () => config.error_callback?.({ type: 'unknown' }),
            (error: unknown) => {
              const html = error instanceof ConsentPageError ? error.html : '';
              const json = /<script type="application\/json" id="gsi-response">([\s\S]*?)<\/script>/.exec(html)?.[1];
              const response = json
                ? (JSON.parse(json) as { response: { code?: string; error?: string } }).response
                : {};
              config.callback(response);
            },
          );
        },
      };
    },
  };
}

describe('the browser client against the real bridge', () => {
  it('walks a user from not connected, through consent, to a token that Google accepts', async () => {
    const tokenbridge = page();

    const before = await tokenbridge.getGoogleToken(['drive.readonly']);
    if (before.ok || before.reason !== 'not_connected')
      throw new Error(`expected not_connected: ${JSON.stringify(before)}`);
    before.connect();
    expect(navigations).toEqual([before.connectUrl]);

    const landed = await browserConnects(before.connectUrl, ADA);
    expect(landed.pathname).toBe('/files');
    expect(landed.searchParams.get('google_connect')).toBe('connected');

    const result = await tokenbridge.getGoogleToken(['drive.readonly']);
    if (!result.ok) throw new Error(`expected a token: ${JSON.stringify(result)}`);
    expect(result.token).toMatchObject({ tokenType: 'Bearer', source: 'oauth', google: { email: ADA } });
    expect(result.token.scopes).toContain(`${AUTH}drive.readonly`);

    const files = await fetch(`${google.url}/drive/v3/files?pageSize=3`, {
      headers: { authorization: `Bearer ${result.token.accessToken}` },
    });
    expect(files.status).toBe(200);
    expect(((await files.json()) as { files: unknown[] }).files.length).toBeGreaterThan(0);

    // The quickstart's proxy call: the same Drive listing through the bridge, with the session instead of a token.
    const proxied = await fetch(`${publicUrl}/api/google/proxy/drive/v3/files?pageSize=3`, {
      headers: { authorization: `Bearer ${await signSession()}` },
    });
    expect(proxied.status).toBe(200);
    expect(((await proxied.json()) as { files: unknown[] }).files).toHaveLength(3);
  });

  it('shares one bridge request among concurrent calls and then serves from the cache', async () => {
    const tokenbridge = page();
    const before = google.control.counters().calls;
    const results = await Promise.all(Array.from({ length: 5 }, () => tokenbridge.getGoogleToken(['drive.readonly'])));
    const again = await tokenbridge.getGoogleToken([`${AUTH}drive.readonly`]);

    const tokens = new Set(results.map((r) => (r.ok ? r.token.accessToken : r.reason)));
    expect(tokens.size).toBe(1);
    expect(again).toEqual(results[0]);
    // No refresh grant was needed: the stored token was still fresh.
    expect(google.control.counters().calls).toEqual(before);
  });

  it('answers scopes_missing for a new scope, and the popup flow adds it while keeping Drive', async () => {
    const tokenbridge = page();
    const missing = await tokenbridge.getGoogleToken(['gmail.readonly']);
    if (missing.ok || missing.reason !== 'scopes_missing')
      throw new Error(`expected scopes_missing: ${JSON.stringify(missing)}`);
    expect(missing.missing).toEqual([`${AUTH}gmail.readonly`]);
    expect(new URL(missing.connectUrl).searchParams.get('return_to')).toBe('/files');

    const popup = await missing.connectWithPopup();
    expect(popup).toMatchObject({ ok: true, connection: { status: 'active', google: { email: ADA } } });

    const both = await tokenbridge.getGoogleToken(['gmail.readonly', 'drive.readonly']);
    if (!both.ok) throw new Error(`expected a token: ${JSON.stringify(both)}`);
    expect(both.token.scopes).toEqual(expect.arrayContaining([`${AUTH}gmail.readonly`, `${AUTH}drive.readonly`]));
  });

  it('reports a grant revoked at Google as reconnect_required with cause revoked', async () => {
    const tokenbridge = page();
    google.control.revokeGrant({ email: ADA });
    // The cached token died with the grant; the app learns it from Google's 401 and drops it.
    const stale = await tokenbridge.getGoogleToken(['drive.readonly']);
    if (!stale.ok) throw new Error('expected the cached token');
    tokenbridge.invalidate(stale.token.accessToken);
    clock.advance(3600_000);

    const result = await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(result).toMatchObject({ ok: false, reason: 'reconnect_required', cause: 'revoked' });

    const status = await tokenbridge.connection();
    expect(status).toMatchObject({ ok: true, connection: { status: 'needs_reconnect', reconnectReason: 'revoked' } });
  });

  it('disconnects, after which connection() answers null and a token request not_connected', async () => {
    const tokenbridge = page();
    expect(await tokenbridge.disconnect()).toEqual({ ok: true });
    expect(await tokenbridge.disconnect()).toEqual({ ok: true });
    expect(await tokenbridge.connection()).toMatchObject({ ok: true, connection: null });
    expect(await tokenbridge.getGoogleToken(['drive.readonly'])).toMatchObject({ ok: false, reason: 'not_connected' });
  });

  it('answers unauthenticated for a session the bridge refuses', async () => {
    const tokenbridge = createTokenbridgeClient({ baseUrl: publicUrl, getSessionToken: () => 'not-a-session-token' });
    expect(await tokenbridge.getGoogleToken(['drive.readonly'])).toEqual({ ok: false, reason: 'unauthenticated' });
    expect(await tokenbridge.connection()).toEqual({ ok: false, reason: 'unauthenticated' });
  });

  it('throws invalid_scope for a scope name the bridge does not know', async () => {
    await expect(page().getGoogleToken(['drvie.readonly'])).rejects.toMatchObject({
      code: 'invalid_scope',
      status: 400,
    });
  });
});
