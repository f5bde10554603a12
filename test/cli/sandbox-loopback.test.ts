import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_BRIDGE_CLIENT, type Sandbox, startSandbox } from '../../src/cli/sandbox.js';
import { parseEnv } from '../../src/config/env.js';
import { signInByEmail } from '../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../src/sandbox/google/index.js';

// Issue 15: the sandbox works under every loopback name of the bridge's port (localhost, 127.0.0.1, [::1]), and only
// those: Clerk's CORS, Google's registered redirect URIs and origins, the bridge's accepted `azp`.
let dir: string;
let sandbox: Sandbox;
let port: number;
const aliases = () => [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-loopback-'));
  const env = parseEnv({
    PORT: '0',
    SANDBOX_GOOGLE_PORT: '0',
    SANDBOX_CLERK_PORT: '0',
    DATABASE_URL: join(dir, 'tokenbridge.db'),
    LOG_LEVEL: 'silent',
  });
  sandbox = await startSandbox(env, { withBridge: true, logger: pino({ level: 'silent' }), dataDir: dir });
  port = sandbox.service!.port;
});
afterAll(async () => {
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Clerk's answer to a credentialed preflight from `origin`. */
async function clerkPreflight(origin: string) {
  const response = await fetch(`${sandbox.clerk.url}/v1/client`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET' },
  });
  return { status: response.status, allowOrigin: response.headers.get('access-control-allow-origin') };
}

/** Where Google's authorization endpoint sends the bridge's client asking to come back to `redirectUri`. */
async function authorize(redirectUri: string) {
  const query = new URLSearchParams({
    client_id: SANDBOX_BRIDGE_CLIENT.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid email',
  });
  const response = await fetch(`${sandbox.google.url}/o/oauth2/v2/auth?${query}`, { redirect: 'manual' });
  return { status: response.status, page: await response.text() };
}

async function tokenRequest(azp: string): Promise<number> {
  const user = sandbox.clerk.control.createUser({ email: `u${Math.random().toString(36).slice(2)}@example.com` });
  const session = sandbox.clerk.control.createSession(user.id);
  const token = await sandbox.clerk.control.sessionToken(session.id, { azp });
  const response = await fetch(`${sandbox.service!.url}/api/google/connection`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body?.cancel();
  return response.status;
}

describe('the sandbox under each loopback name', () => {
  it("lets each name use Clerk's Frontend API with credentials, and no other origin", async () => {
    for (const origin of aliases()) {
      expect(await clerkPreflight(origin)).toEqual({ status: 204, allowOrigin: origin });
    }
    for (const origin of [`http://localhost:${port + 1}`, 'http://evil.test']) {
      expect((await clerkPreflight(origin)).allowOrigin).toBeNull();
    }
  });

  it("registers the bridge's callback under each name at Google, which still refuses any other", async () => {
    for (const origin of aliases()) {
      expect((await authorize(`${origin}/oauth/google/callback`)).status).toBe(200);
    }
    const other = await authorize(`http://127.0.0.1:${port + 1}/oauth/google/callback`);
    expect(other.status).toBe(400);
    expect(other.page).toContain('redirect_uri_mismatch');
  });

  it('accepts session tokens made for a page on each name, and refuses one made for another origin', async () => {
    for (const origin of aliases()) expect(await tokenRequest(origin)).not.toBe(401);
    expect(await tokenRequest(`http://127.0.0.1:${port + 1}`)).toBe(401);
  });

  it('sends a redirect flow back to the name it started at, where the session and the return cookie are', async () => {
    for (const [i, origin] of aliases().entries()) {
      const who = await signInByEmail(sandbox.clerk, `redirect${i}@example.com`, { redirectUrl: `${origin}/` });
      const start = await fetch(`${origin}/connect/google?scope=drive.readonly&return_to=/`, {
        headers: { cookie: who.appCookieHeader },
        redirect: 'manual',
      });
      expect(start.status).toBe(302);
      const authUrl = new URL(start.headers.get('location')!);
      expect(authUrl.searchParams.get('redirect_uri')).toBe(`${origin}/oauth/google/callback`);
      const callback = await completeConsent(authUrl.toString(), { account: 'ada@example.com' });
      expect(callback.origin).toBe(origin);
      const returnCookie = start.headers.getSetCookie()[0]!.split(';')[0];
      const back = await fetch(callback, {
        headers: { cookie: `${who.appCookieHeader}; ${returnCookie}` },
        redirect: 'manual',
      });
      expect(back.status).toBe(302);
      expect(back.headers.get('location')).toBe('/?google_connect=connected');
    }
  });

  it("sends a flow started under any other Host (a forged one) back to PUBLIC_URL's callback", async () => {
    const user = sandbox.clerk.control.createUser({ email: 'forged-host@example.com' });
    const token = await sandbox.clerk.control.sessionToken(sandbox.clerk.control.createSession(user.id).id, {
      azp: sandbox.config.publicUrl,
    });
    const location = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/connect/google',
          headers: { host: `evil.test:${port}`, cookie: `__session=${token}` },
        },
        (response) => {
          response.resume();
          resolve(response.headers.location ?? `HTTP ${response.statusCode}`);
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(new URL(location).searchParams.get('redirect_uri')).toBe(
      `${sandbox.config.publicUrl}/oauth/google/callback`,
    );
  });

  it('answers at [::1] as at 127.0.0.1', async () => {
    const response = await fetch(`http://[::1]:${port}/healthz`);
    expect(response.status).toBe(200);
  });
});
