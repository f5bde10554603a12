import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/cli/sandbox.js';
import { createTokenbridgeClient } from '../../src/client/index.js';
import { type BrowserSignIn, signInByEmail } from '../../src/sandbox/clerk/index.js';
import { ConsentPageError, completeConsent } from '../../src/sandbox/google/index.js';
import { EXAMPLE_CLIENT, sandboxForApp } from '../examples/sandbox-app.js';
import { APP_URL, MOUNT, PUBLIC_URL, startTarget, type Target, type TargetName } from './targets.js';

// One HTTP contract (issue 14): the standalone service, the Fastify plugin in a host app, the Express router behind
// @clerk/express's clerkMiddleware and the Next route handlers answer the same requests with the same statuses,
// `{error:{code,…}}` bodies and cookies, so tokenbridge/client works against each with its base URL set. Every target
// runs the same cases below against the sandbox's Clerk and Google emulators.

const TARGETS: TargetName[] = ['standalone', 'fastify-plugin', 'express', 'next', 'next-pages'];
const ACCOUNT = 'ada@example.com';

let sandbox: Sandbox;
/** What each target answered, in the order asked: compared across targets at the end. */
const transcripts = new Map<TargetName, string[]>();

beforeAll(async () => {
  sandbox = await sandboxForApp(APP_URL, `${MOUNT}/oauth/google/callback`);
  // Tokens that live 10 minutes: asking for 50 minutes of validity makes the bridge refresh (and meet a revoked grant).
  sandbox.google.control.setTokenLifetime(EXAMPLE_CLIENT.clientId, 600);
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
});

type ErrorBody = { error: { code: string; message: string; connectUrl?: string; [detail: string]: unknown } };

/** A Set-Cookie header without its value and Expires (both differ by design), attributes in order. */
const cookieShape = (header: string) =>
  header
    .split(';')
    .map((part, index) => (index === 0 ? part.split('=')[0] : part.trim()))
    .filter((part) => !/^expires=/i.test(part ?? ''))
    .join('; ');

/** A code from the emulator's popup (Google Identity Services' code model, redirect_uri=postmessage). */
async function popupCode(): Promise<string> {
  const url = new URL('/o/oauth2/v2/auth', sandbox.google.url);
  url.search = new URLSearchParams({
    client_id: EXAMPLE_CLIENT.clientId,
    redirect_uri: 'postmessage',
    origin: APP_URL,
    response_type: 'code',
    access_type: 'offline',
    scope: 'openid email https://www.googleapis.com/auth/drive.readonly',
  }).toString();
  const html = await completeConsent(url.toString(), { account: ACCOUNT }).then(
    () => '',
    (error: unknown) => (error instanceof ConsentPageError ? error.html : ''),
  );
  const json = /<script type="application\/json" id="gsi-response">([\s\S]*?)<\/script>/.exec(html)?.[1];
  const code = json ? (JSON.parse(json) as { response: { code?: string } }).response.code : undefined;
  if (!code) throw new Error('the emulator gave no popup code');
  return code;
}

describe.each(TARGETS)('the HTTP contract: %s', (name) => {
  const hasServerHelper = name === 'express' || name === 'next' || name === 'next-pages';
  let target: Target;
  let user: BrowserSignIn;
  const said: string[] = [];
  const bearer = () => ({ authorization: `Bearer ${user.sessionToken}` });
  const tokenPath = `${MOUNT}/api/google-token?scope=drive.readonly`;

  /** Sends, and writes what came back into the transcript: status, error code, cookie shapes. */
  const ask = async (label: string, path: string, init?: RequestInit) => {
    const response = await target.send(path, init);
    const type = response.headers.get('content-type') ?? '';
    const body: unknown = type.includes('json') ? await response.json() : await response.text();
    const code = (body as Partial<ErrorBody>)?.error?.code ?? '-';
    const cookies = response.headers.getSetCookie().map(cookieShape).join(' | ');
    said.push(`${label}: ${response.status} ${code} ${cookies}`.trim());
    return { response, body: body as ErrorBody & Record<string, unknown> };
  };

  beforeAll(async () => {
    target = await startTarget(name, sandbox);
    user = await signInByEmail(sandbox.clerk, `${name}@example.com`, { redirectUrl: `${APP_URL}/` });
    transcripts.set(name, said);
  }, 60_000);

  afterAll(async () => {
    await target?.close();
  });

  it('refuses a token request without a session with 401 unauthenticated', async () => {
    const { response, body } = await ask('no session', tokenPath);
    expect(response.status).toBe(401);
    expect(body.error.code).toBe('unauthenticated');
    expect(typeof body.error.message).toBe('string');
  });

  it('answers 409 not_connected with the connect URL under the mount path', async () => {
    const { response, body } = await ask('not connected', tokenPath, { headers: bearer() });
    expect(response.status).toBe(409);
    expect(body.error).toMatchObject({
      code: 'not_connected',
      connectUrl: `${PUBLIC_URL}/connect/google?scope=drive.readonly`,
    });
  });

  it('refuses an unknown scope with 400 invalid_scope', async () => {
    const { response, body } = await ask('bad scope', `${MOUNT}/api/google-token?scope=not-a-scope`, {
      headers: bearer(),
    });
    expect(response.status).toBe(400);
    expect(body.error.code).toBe('invalid_scope');
  });

  it('answers an unknown path under the mount with 404 not_found', async () => {
    const { response, body } = await ask('unknown', `${MOUNT}/api/nothing-here`, { headers: bearer() });
    expect(response.status).toBe(404);
    expect(body.error.code).toBe('not_found');
  });

  it('the popup code route needs X-Requested-With, then connects the user', async () => {
    const post = (headers: Record<string, string>, code: string) =>
      ask('popup code', `${MOUNT}/api/google/code`, {
        method: 'POST',
        headers: { ...bearer(), 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ code }),
      });
    const refused = await post({}, 'not-used');
    expect(refused.response.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');

    const done = await post({ 'x-requested-with': 'XMLHttpRequest' }, await popupCode());
    expect(done.response.status).toBe(200);
    expect(done.body).toMatchObject({ connection: { google: { email: ACCOUNT } } });
  });

  it('connects through the redirect flow: the return cookie lives under the mount path, and the callback clears it', async () => {
    const start = await ask('connect', `${MOUNT}/connect/google?scope=drive.readonly&return_to=/files`, {
      headers: { cookie: user.appCookieHeader },
    });
    expect(start.response.status).toBe(302);
    const [returnCookie] = start.response.headers.getSetCookie();
    expect(returnCookie).toMatch(/^tb_return_to=\/files;/);
    expect(cookieShape(returnCookie!)).toBe(
      `tb_return_to; Max-Age=600; Path=${MOUNT}/oauth/google/callback; HttpOnly; SameSite=Lax`,
    );
    const back = await completeConsent(start.response.headers.get('location')!, { account: ACCOUNT });
    expect(back.pathname).toBe(`${MOUNT}/oauth/google/callback`);
    const callback = await ask('callback', `${back.pathname}${back.search}`, {
      headers: { cookie: `${user.appCookieHeader}; ${returnCookie!.split(';')[0]}` },
    });
    expect(callback.response.status).toBe(302);
    expect(callback.response.headers.get('location')).toBe('/files?google_connect=connected');
    expect(cookieShape(callback.response.headers.getSetCookie()[0]!)).toBe(
      `tb_return_to; Max-Age=0; Path=${MOUNT}/oauth/google/callback; HttpOnly; SameSite=Lax`,
    );
  });

  it('then answers the token with 200 and no-store, and the connection', async () => {
    const { response, body } = await ask('token', tokenPath, { headers: bearer() });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ tokenType: 'Bearer', scopes: expect.arrayContaining([expect.any(String)]) });
    const connection = await ask('connection', `${MOUNT}/api/google/connection`, { headers: bearer() });
    expect(connection.response.status).toBe(200);
    expect(connection.body).toMatchObject({ connection: { google: { email: ACCOUNT } } });
  });

  it('proxies a Google API call with the user’s token, streamed back', async () => {
    const { response, body } = await ask('proxy', `${MOUNT}/api/google/proxy/drive/drive/v3/files?pageSize=2`, {
      headers: bearer(),
    });
    expect(response.status).toBe(200);
    expect((body as unknown as { files: unknown[] }).files.length).toBeGreaterThan(0);
  });

  it('tokenbridge/client works unchanged with its base URL set to the mount', async () => {
    const client = createTokenbridgeClient({
      baseUrl: target.clientBase,
      getSessionToken: () => user.sessionToken,
      fetch: target.fetch,
    });
    const result = await client.getGoogleToken(['drive.readonly']);
    expect(result.ok).toBe(true);
    const connection = await client.connection();
    expect(connection).toMatchObject({ ok: true, connection: { google: { email: ACCOUNT } } });
  });

  // The server helper exists only in the adapters that live inside an app: the case is defined for them, not skipped.
  if (hasServerHelper) {
    it('the server helper returns the token as a typed result', async () => {
      expect(await target.googleToken!(user.sessionToken, ['drive.readonly'])).toMatchObject({
        ok: true,
        token: { tokenType: 'Bearer' },
      });
    });
  }

  it('a grant revoked at Google makes the next token request answer 409 reconnect_required', async () => {
    sandbox.google.control.revokeGrant({ email: ACCOUNT, clientId: EXAMPLE_CLIENT.clientId });
    const { response, body } = await ask('revoked', `${tokenPath}&minValiditySeconds=3000`, { headers: bearer() });
    expect(response.status).toBe(409);
    expect(body.error).toMatchObject({
      code: 'reconnect_required',
      connectUrl: `${PUBLIC_URL}/connect/google?scope=drive.readonly`,
    });
  });

  it('DELETE on the connection forgets it: the next token request is not_connected again', async () => {
    const removed = await ask('disconnect', `${MOUNT}/api/google/connection`, { method: 'DELETE', headers: bearer() });
    expect(removed.response.status).toBeLessThan(300);
    const { response, body } = await ask('after disconnect', tokenPath, { headers: bearer() });
    expect(response.status).toBe(409);
    expect(body.error.code).toBe('not_connected');
  });

  if (hasServerHelper) {
    it('the server helper says not_connected with the connect URL, as a result', async () => {
      expect(await target.googleToken!(user.sessionToken, ['drive.readonly'])).toMatchObject({
        ok: false,
        code: 'not_connected',
        status: 409,
        connectUrl: `${PUBLIC_URL}/connect/google?scope=drive.readonly`,
      });
    });
  }
});

describe('every target', () => {
  it('answered every case with the same status, error code and cookie attributes as the standalone service', () => {
    const standalone = transcripts.get('standalone');
    expect(standalone?.length).toBeGreaterThan(10);
    for (const name of TARGETS) expect({ name, said: transcripts.get(name) }).toEqual({ name, said: standalone });
  });
});
