import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as driveFiles } from '../../examples/nextjs-route-handler/app/api/drive/files/route.js';
import { GET as callback } from '../../examples/nextjs-route-handler/app/api/google/callback/route.js';
import { GET as connect } from '../../examples/nextjs-route-handler/app/api/google/connect/route.js';
import { tokenBridge } from '../../examples/nextjs-route-handler/lib/tokenbridge.js';
import type { Sandbox } from '../../src/cli/sandbox.js';
import { Keyring } from '../../src/core/keyring.js';
import { type BrowserSignIn, signInByEmail } from '../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../src/sandbox/google/index.js';
import { EXAMPLE_CLIENT, sandboxForApp } from './sandbox-app.js';

const APP_URL = 'http://localhost:4011';

describe('the Next.js route handler example against the sandbox', () => {
  let sandbox: Sandbox;
  let dir: string;
  let ada: BrowserSignIn;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-next-'));
    sandbox = await sandboxForApp(APP_URL, '/api/google/callback');
    // The app's .env, pointed at the emulators.
    Object.assign(process.env, {
      APP_URL,
      DATABASE_URL: join(dir, 'app.db'),
      TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate('k1'),
      GOOGLE_CLIENT_ID: EXAMPLE_CLIENT.clientId,
      GOOGLE_CLIENT_SECRET: EXAMPLE_CLIENT.clientSecret,
      GOOGLE_BASE_URL: sandbox.google.url,
      CLERK_SECRET_KEY: sandbox.clerk.secretKey,
      CLERK_API_URL: sandbox.clerk.url,
    });
    ada = await signInByEmail(sandbox.clerk, 'ada@example.com', { redirectUrl: `${APP_URL}/` });
  });

  afterAll(async () => {
    await (await tokenBridge()).close();
    await sandbox?.close();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  const asAda = (path: string) =>
    new Request(`${APP_URL}${path}`, { headers: { cookie: `__session=${ada.sessionToken}` } });

  it('answers not_connected with a connect URL before the user connects Google', async () => {
    const response = await driveFiles(asAda('/api/drive/files'));
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { code: string; connectUrl: string } };
    expect(body.error.code).toBe('not_connected');
    expect(body.error.connectUrl).toContain('/api/google/connect?scope=');
  });

  it('connects through Google consent, then lists Drive files with the token', async () => {
    const start = await connect(asAda('/api/google/connect?scope=drive.readonly&return_to=/files'));
    expect(start.status).toBe(302);
    const back = await completeConsent(start.headers.get('location')!, { account: 'ada@example.com' });
    expect(back.pathname).toBe('/api/google/callback');
    const done = await callback(asAda(`${back.pathname}${back.search}`));
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/files');

    const files = await driveFiles(asAda('/api/drive/files'));
    expect(files.status).toBe(200);
    const body = (await files.json()) as { files: Array<{ name: string }> };
    expect(body.files.length).toBeGreaterThan(0);
  });

  it('refuses a request without a session with 401 unauthenticated', async () => {
    const response = await driveFiles(new Request(`${APP_URL}/api/drive/files`));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it('sends a declined consent back to the app without storing anything', async () => {
    const response = await callback(asAda('/api/google/callback?error=access_denied&state=x'));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/?google_error=access_denied');
  });
});
