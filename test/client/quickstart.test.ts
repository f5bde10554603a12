import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/cli/sandbox.js';
import { createTokenbridgeClient } from '../../src/client/index.js';
import { parseEnv } from '../../src/config/env.js';
import { type BrowserSignIn, signInByEmail } from '../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../src/sandbox/google/index.js';

/**
 * docs/quickstart.md, followed step by step against the sandbox that `npm start` runs (in-process here, every server
 * on a free port): sign in, connect Google, list Drive files, and every call the page shows.
 */

const DRIVE_READONLY = 'https://www.googleapis.com/auth/drive.readonly';
const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const API_KEY = 'quickstart-backend-key-0123456789';

let dir: string;
let sandbox: Sandbox;
let bridgeUrl: string;
let ada: BrowserSignIn;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-quickstart-'));
  const env = parseEnv({
    PORT: '0',
    SANDBOX_GOOGLE_PORT: '0',
    SANDBOX_CLERK_PORT: '0',
    DATABASE_URL: join(dir, 'tokenbridge.db'),
    TOKENBRIDGE_API_KEYS: `backend:${API_KEY}`,
    LOG_LEVEL: 'silent',
  });
  sandbox = await startSandbox(env, { withBridge: true, logger: pino({ level: 'silent' }), dataDir: dir });
  bridgeUrl = sandbox.config.publicUrl;
});

afterAll(async () => {
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const bearer = async () => ({ authorization: `Bearer ${await ada.refreshSessionToken()}` });

describe('the quickstart', () => {
  it('1. starts the bridge and both emulators, with a generated encryption key kept in the data folder', async () => {
    expect((await fetch(`${sandbox.google.url}/.well-known/openid-configuration`)).status).toBe(200);
    expect((await fetch(`${sandbox.clerk.url}/sign-in`)).status).toBe(200);
    expect((await fetch(`${bridgeUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${bridgeUrl}/`)).status).toBe(200);
    expect(existsSync(join(dir, 'sandbox-encryption-keys'))).toBe(true);
  });

  it('2. signs in, connects Google as ada@example.com, and lists Drive files', async () => {
    ada = await signInByEmail(sandbox.clerk, 'ada@example.com', { redirectUrl: `${bridgeUrl}/` });

    // "Connect Google": the page navigates to the bridge's connect URL with the __session cookie.
    const connect = await fetch(`${bridgeUrl}/connect/google?scope=drive.readonly&return_to=/`, {
      headers: { cookie: ada.appCookieHeader },
      redirect: 'manual',
    });
    expect(connect.status).toBe(302);
    const callback = await completeConsent(connect.headers.get('location')!, { account: 'ada@example.com' });
    expect(callback.origin).toBe(new URL(bridgeUrl).origin);
    const back = await fetch(callback, {
      headers: { cookie: `${ada.appCookieHeader}; ${connect.headers.get('set-cookie')?.split(';')[0] ?? ''}` },
      redirect: 'manual',
    });
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('/?google_connect=connected');

    // "List Drive files", through the proxy.
    const files = await fetch(`${bridgeUrl}/api/google/proxy/drive/v3/files?pageSize=5`, { headers: await bearer() });
    expect(files.status).toBe(200);
    expect(((await files.json()) as { files: unknown[] }).files).toHaveLength(5);
  });

  it('3. answers GET /api/google-token with the token, and POST with a JSON body too', async () => {
    const got = await fetch(`${bridgeUrl}/api/google-token?scope=drive.readonly&scope=email`, {
      headers: await bearer(),
    });
    expect(got.status).toBe(200);
    expect(got.headers.get('cache-control')).toContain('no-store');
    const token = (await got.json()) as Record<string, unknown>;
    expect(token).toMatchObject({ tokenType: 'Bearer', source: 'oauth', google: { email: 'ada@example.com' } });
    expect(token.accessToken).toEqual(expect.any(String));
    expect(token.scopes).toContain(DRIVE_READONLY);

    const posted = await fetch(`${bridgeUrl}/api/google-token`, {
      method: 'POST',
      headers: { ...(await bearer()), 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['drive.readonly'] }),
    });
    expect(posted.status).toBe(200);
  });

  it('3. says why it cannot give a token: scopes_missing with the connect URL for just that scope', async () => {
    const refused = await fetch(`${bridgeUrl}/api/google-token?scope=gmail.readonly`, { headers: await bearer() });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: {
        code: 'scopes_missing',
        missing: [GMAIL_READONLY],
        connectUrl: `${bridgeUrl}/connect/google?scope=gmail.readonly`,
      },
    });
  });

  it('3. hands the app’s backend a token with an API key, and describes the connection', async () => {
    const serverSide = await fetch(`${bridgeUrl}/api/users/${ada.userId}/google-token?scope=drive.readonly`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(serverSide.status).toBe(200);

    const connection = await fetch(`${bridgeUrl}/api/google/connection`, { headers: await bearer() });
    expect(await connection.json()).toMatchObject({
      connection: { status: 'active', google: { email: 'ada@example.com' } },
    });
  });

  it('4. gives the page a token through the browser client, then disconnects', async () => {
    const tokenbridge = createTokenbridgeClient({
      baseUrl: bridgeUrl,
      getSessionToken: () => ada.refreshSessionToken(),
    });
    const result = await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(result).toMatchObject({ ok: true, token: { google: { email: 'ada@example.com' } } });

    const deleted = await fetch(`${bridgeUrl}/api/google/connection`, { method: 'DELETE', headers: await bearer() });
    expect(deleted.status).toBe(204);
    tokenbridge.invalidate();
    expect(await tokenbridge.getGoogleToken(['drive.readonly'])).toMatchObject({ ok: false, reason: 'not_connected' });
  });
});
