import { request as httpRequest } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidStateError,
  ReconnectRequiredError,
  ScopesMissingError,
  UpstreamUnavailableError,
} from '../../src/core/errors.js';
import {
  API_KEY,
  fakeBridge,
  ORIGIN,
  sampleConnection,
  sampleToken,
  startTestServer,
  testConfig,
  WEBHOOK_SECRET,
} from './fixtures.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  const { host, port } = new URL(url);
  const path = url.slice(url.indexOf('/', 'http://'.length));
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: host.split(':')[0], port, path, headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}

async function json(response: Response): Promise<{ error: { code: string; message: string; [k: string]: unknown } }> {
  return (await response.json()) as never;
}

describe('GET and POST /api/google-token', () => {
  it('answers a signed-in user with a fresh token, short scope names normalised, and no-store', async () => {
    const bridge = fakeBridge({ getAccessToken: async (_user, options) => sampleToken(options?.scopes) });
    server = await startTestServer({ bridge });
    const token = await server.sign();
    const response = await fetch(`${server.url}/api/google-token?scope=drive.readonly&scope=email`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { scopes: string[]; accessToken: string; source: string };
    expect(body.scopes).toEqual(['email', 'https://www.googleapis.com/auth/drive.readonly']);
    expect(body.source).toBe('oauth');
    expect(bridge.calls[0]).toEqual(['getAccessToken', 'user_1']);
  });

  it('accepts the scopes as a JSON body, and the __session cookie instead of a bearer token', async () => {
    const bridge = fakeBridge({ getAccessToken: async (_user, options) => sampleToken(options?.scopes) });
    server = await startTestServer({ bridge });
    const response = await fetch(`${server.url}/api/google-token`, {
      method: 'POST',
      headers: { cookie: `__session=${await server.sign()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['https://www.googleapis.com/auth/gmail.readonly'] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { scopes: string[] }).scopes).toEqual([
      'https://www.googleapis.com/auth/gmail.readonly',
    ]);
  });

  it('an unknown scope is refused with invalid_scope', async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/api/google-token?scope=drive.everything`, {
      headers: { authorization: `Bearer ${await server.sign()}` },
    });
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe('invalid_scope');
  });

  it('minValiditySeconds is bounded by the core’s own limit (an hour), on the session and the API-key routes', async () => {
    const seen: Array<number | undefined> = [];
    const bridge = fakeBridge({
      getAccessToken: async (_user, options) => {
        seen.push(options?.minValiditySeconds);
        return sampleToken();
      },
    });
    server = await startTestServer({ bridge });
    const session = { authorization: `Bearer ${await server.sign()}` };
    const key = { authorization: `Bearer ${API_KEY}` };
    const asked = [
      await fetch(`${server.url}/api/google-token?minValiditySeconds=3600`, { headers: session }),
      await fetch(`${server.url}/api/google-token`, {
        method: 'POST',
        headers: { ...session, 'content-type': 'application/json' },
        body: JSON.stringify({ minValiditySeconds: 3600 }),
      }),
      await fetch(`${server.url}/api/users/user_42/google-token?minValiditySeconds=3600`, { headers: key }),
    ];
    expect(asked.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(seen).toEqual([3600, 3600, 3600]);
    for (const answer of [
      await fetch(`${server.url}/api/google-token?minValiditySeconds=3601`, { headers: session }),
      await fetch(`${server.url}/api/users/user_42/google-token?minValiditySeconds=3601`, { headers: key }),
    ]) {
      expect(answer.status).toBe(400);
      expect((await json(answer)).error.code).toBe('invalid_request');
    }
    expect(seen).toHaveLength(3);
  });

  it.each([
    ['no token', undefined],
    ['a malformed header', 'Basic abc'],
    ['garbage', 'Bearer not.a.jwt'],
  ])('a request with %s is refused with 401 unauthenticated', async (_name, header) => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/api/google-token`, {
      headers: header === undefined ? {} : { authorization: header },
    });
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBe('unauthenticated');
  });

  it('a session token for another origin (azp), an expired one and one signed by a stranger are refused', async () => {
    server = await startTestServer();
    const s = server;
    const now = Math.floor(Date.now() / 1000);
    for (const token of [
      await s.sign({ azp: 'https://evil.test' }),
      await s.sign({ exp: now - 60 }),
      await s.sign({}, s.otherKey),
    ]) {
      const response = await fetch(`${s.url}/api/google-token`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
      expect((await json(response)).error.code).toBe('unauthenticated');
    }
  });

  it('the typed errors become their wire shapes: 403 scopes_missing, 409 not_connected and reconnect_required, 503 with Retry-After', async () => {
    const errors = [
      new ScopesMissingError(
        ['https://www.googleapis.com/auth/gmail.readonly'],
        `${ORIGIN}/connect/google?scope=gmail.readonly`,
      ),
      undefined,
      new ReconnectRequiredError('revoked', `${ORIGIN}/connect/google`),
      new UpstreamUnavailableError('google', 7),
    ];
    let next = 0;
    const bridge = fakeBridge({
      getAccessToken: async () => {
        const error = errors[next++];
        if (error) throw error;
        return (await fakeBridge().getAccessToken('x')) as never;
      },
    });
    server = await startTestServer({ bridge });
    const auth = { authorization: `Bearer ${await server.sign()}` };
    const get = () => fetch(`${server!.url}/api/google-token?scope=gmail.readonly`, { headers: auth });

    const missing = await get();
    expect(missing.status).toBe(403);
    expect((await json(missing)).error).toMatchObject({
      code: 'scopes_missing',
      missing: ['https://www.googleapis.com/auth/gmail.readonly'],
      connectUrl: `${ORIGIN}/connect/google?scope=gmail.readonly`,
    });
    const notConnected = await get();
    expect(notConnected.status).toBe(409);
    expect((await json(notConnected)).error).toMatchObject({
      code: 'not_connected',
      connectUrl: `${ORIGIN}/connect/google`,
    });
    const reconnect = await get();
    expect(reconnect.status).toBe(409);
    expect((await json(reconnect)).error).toMatchObject({ code: 'reconnect_required', reason: 'revoked' });
    const unavailable = await get();
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('7');
    expect((await json(unavailable)).error.code).toBe('upstream_unavailable');
  });

  it('an unexpected failure is a 500 with a generic message and no stack trace', async () => {
    server = await startTestServer({
      bridge: fakeBridge({
        getAccessToken: async () => {
          throw new Error('database exploded at /secret/path');
        },
      }),
    });
    const response = await fetch(`${server.url}/api/google-token`, {
      headers: { authorization: `Bearer ${await server.sign()}` },
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('/secret/path');
    expect(text).not.toContain('at ');
  });
});

describe('bad input gets a 4xx JSON error, never a 5xx', () => {
  it.each([
    ['invalid JSON', 'POST', '/api/google-token', '{"scopes":', 'application/json', 400, 'invalid_request'],
    [
      'a wrong body type',
      'POST',
      '/api/google-token',
      '{"scopes":{"a":1}}',
      'application/json',
      400,
      'invalid_request',
    ],
    ['an unknown field', 'POST', '/api/google-token', '{"nope":1}', 'application/json', 400, 'invalid_request'],
    ['a non-JSON body', 'POST', '/api/google-token', 'scopes=x', 'text/plain', 415, 'unsupported_media_type'],
    [
      'a huge body',
      'POST',
      '/api/google-token',
      `{"scopes":["${'a'.repeat(70_000)}"]}`,
      'application/json',
      413,
      'payload_too_large',
    ],
    [
      'a bad minValiditySeconds',
      'GET',
      '/api/google-token?minValiditySeconds=abc',
      undefined,
      undefined,
      400,
      'invalid_request',
    ],
    [
      'an unknown connection check',
      'GET',
      '/api/google/connection?check=clerk',
      undefined,
      undefined,
      400,
      'invalid_request',
    ],
    ['an unknown route', 'GET', '/api/nothing-here', undefined, undefined, 404, 'not_found'],
    ['an unknown method', 'PUT', '/api/google-token', undefined, undefined, 404, 'not_found'],
  ])('%s', async (_name, method, path, body, type, status, code) => {
    server = await startTestServer();
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${await server.sign()}`, ...(type ? { 'content-type': type } : {}) },
      ...(body === undefined ? {} : { body }),
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect((await json(response)).error.code).toBe(code);
  });

  it('every answer carries the security headers and a request id', async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/api/nothing-here`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the redirect and popup flows', () => {
  it('GET /connect/google redirects the signed-in user to Google with the requested scopes', async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/connect/google?scope=drive.readonly&return_to=/settings`, {
      headers: { cookie: `__session=${await server.sign()}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toContain('https://accounts.google.test/o/oauth2/v2/auth');
    expect(response.headers.get('set-cookie')).toMatch(/tb_return_to=(%2F|\/)settings;.*HttpOnly/i);
    expect(response.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
  });

  it('GET /connect/google names the origin the browser is at, for the core to pick the redirect URI under it', async () => {
    const bridge = fakeBridge();
    server = await startTestServer({ bridge });
    const response = await fetch(`${server.url}/connect/google`, {
      headers: { cookie: `__session=${await server.sign()}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(bridge.calls).toContainEqual([
      'createAuthorizationUrl',
      expect.objectContaining({ userId: 'user_1', origin: new URL(server.url).origin }),
    ]);
  });

  it.each([
    '//evil.test',
    'https://evil.test',
    '/\\evil.test',
    '/%2F%2Fevil.test',
    'javascript:alert(1)',
    '/%5Cevil.test',
  ])('return_to %s is refused as an open redirect', async (returnTo) => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/connect/google?return_to=${encodeURIComponent(returnTo)}`, {
      headers: { cookie: `__session=${await server.sign()}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe('invalid_request');
  });

  it('the callback completes the flow for the signed-in user and redirects back to return_to', async () => {
    const bridge = fakeBridge();
    server = await startTestServer({ bridge });
    const response = await fetch(`${server.url}/oauth/google/callback?code=4/abc&state=s1`, {
      headers: { cookie: `__session=${await server.sign()}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/settings?google_connect=connected');
    expect(bridge.calls).toContainEqual(['completeAuthorization', { userId: 'user_1', state: 's1', code: '4/abc' }]);
  });

  it('the callback accepts a session cookie that lapsed during consent', async () => {
    server = await startTestServer();
    const lapsed = await server.sign({ exp: Math.floor(Date.now() / 1000) - 120 });
    const response = await fetch(`${server.url}/oauth/google/callback?code=4/abc&state=s1`, {
      headers: { cookie: `__session=${lapsed}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
  });

  it('a denied consent redirects back with an error marker', async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/oauth/google/callback?error=access_denied&state=s1`, {
      headers: { cookie: 'tb_return_to=%2Fsettings%3Ftab%3Dgoogle' },
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/settings?tab=google&google_connect=access_denied');
  });

  it('a replayed or foreign state is refused with invalid_state', async () => {
    server = await startTestServer({
      bridge: fakeBridge({
        completeAuthorization: async () => {
          throw new InvalidStateError();
        },
      }),
    });
    const response = await fetch(`${server.url}/oauth/google/callback?code=4/abc&state=used`, {
      headers: { cookie: `__session=${await server.sign()}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe('invalid_state');
  });

  it('POST /api/google/code needs X-Requested-With: XmlHttpRequest', async () => {
    const bridge = fakeBridge();
    server = await startTestServer({ bridge });
    const auth = { authorization: `Bearer ${await server.sign()}`, 'content-type': 'application/json' };
    const refused = await fetch(`${server.url}/api/google/code`, {
      method: 'POST',
      headers: auth,
      body: '{"code":"4/x"}',
    });
    expect(refused.status).toBe(400);
    const accepted = await fetch(`${server.url}/api/google/code`, {
      method: 'POST',
      headers: { ...auth, 'x-requested-with': 'XmlHttpRequest' },
      body: '{"code":"4/x"}',
    });
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as { connection: { userId: string } }).connection.userId).toBe('user_1');
  });
});

describe('the connection', () => {
  it('GET shows the connection and DELETE forgets it, idempotently', async () => {
    const bridge = fakeBridge({ connection: async () => sampleConnection() });
    server = await startTestServer({ bridge });
    const auth = { authorization: `Bearer ${await server.sign()}` };
    const shown = await fetch(`${server.url}/api/google/connection`, { headers: auth });
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as { connection: { google: { email: string } } }).connection.google.email).toBe(
      'ada@example.com',
    );
    for (let i = 0; i < 2; i++) {
      const deleted = await fetch(`${server.url}/api/google/connection`, { method: 'DELETE', headers: auth });
      expect(deleted.status).toBe(204);
    }
  });

  it('GET with check=google asks the bridge to check with Google first; without it, it does not', async () => {
    const asked: boolean[] = [];
    const bridge = fakeBridge({
      connection: async (_userId, options) => {
        asked.push(options?.checkWithGoogle === true);
        return sampleConnection();
      },
    });
    server = await startTestServer({ bridge });
    const auth = { authorization: `Bearer ${await server.sign()}` };
    expect((await fetch(`${server.url}/api/google/connection?check=google`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${server.url}/api/google/connection`, { headers: auth })).status).toBe(200);
    expect(asked).toEqual([true, false]);
  });
});

describe('server to server', () => {
  it('a valid API key reads a user token and the read is audited; a wrong key is refused', async () => {
    const bridge = fakeBridge({ getAccessToken: async () => sampleToken() });
    server = await startTestServer({ bridge });
    const ok = await fetch(`${server.url}/api/users/user_42/google-token?scope=drive.readonly`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(ok.status).toBe(200);
    expect(server.audit).toEqual([
      expect.objectContaining({ userId: 'user_42', actor: 'api_key:backend', action: 'token_read' }),
    ]);
    const wrong = await fetch(`${server.url}/api/users/user_42/google-token`, {
      headers: { authorization: `Bearer ${API_KEY.slice(0, -1)}x` },
    });
    expect(wrong.status).toBe(401);
    const session = await fetch(`${server.url}/api/users/user_42/google-token`, {
      headers: { authorization: `Bearer ${await server.sign()}` },
    });
    expect(session.status).toBe(401);
  });
});

describe('POST /webhooks/clerk', () => {
  const signed = (id: string, body: string, timestamp = new Date()) => ({
    'svix-id': id,
    'svix-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'svix-signature': new Webhook(WEBHOOK_SECRET).sign(id, timestamp, body),
    'content-type': 'application/json',
  });

  it('user.deleted purges the connection once; a redelivery is ignored', async () => {
    const claimed = new Set<string>();
    const bridge = fakeBridge({
      handleOnce: async (_source, id, fn) => {
        if (claimed.has(id)) return { duplicate: true };
        const value = await fn();
        claimed.add(id);
        return { duplicate: false, value };
      },
    });
    server = await startTestServer({ bridge });
    const body = JSON.stringify({
      object: 'event',
      type: 'user.deleted',
      data: { object: 'user', id: 'user_9', deleted: true },
    });
    const first = await fetch(`${server.url}/webhooks/clerk`, { method: 'POST', headers: signed('msg_1', body), body });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ handled: true });
    const again = await fetch(`${server.url}/webhooks/clerk`, { method: 'POST', headers: signed('msg_1', body), body });
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(bridge.calls.filter(([name]) => name === 'disconnect')).toEqual([['disconnect', 'user_9']]);
  });

  it('a forged signature or a stale timestamp is refused with nothing changed', async () => {
    const bridge = fakeBridge();
    server = await startTestServer({ bridge });
    const body = JSON.stringify({ type: 'user.deleted', data: { id: 'user_9' } });
    const forged = { ...signed('msg_2', body), 'svix-signature': 'v1,Zm9yZ2Vk' };
    const stale = signed('msg_3', body, new Date(Date.now() - 10 * 60_000));
    for (const headers of [forged, stale]) {
      const response = await fetch(`${server.url}/webhooks/clerk`, { method: 'POST', headers, body });
      expect(response.status).toBe(400);
      expect((await json(response)).error.code).toBe('invalid_signature');
    }
    expect(bridge.calls.filter(([name]) => name === 'disconnect' || name === 'handleOnce')).toEqual([]);
  });
});

describe('the proxy', () => {
  it.each([
    '/api/google/proxy/evil/v1/x',
    '/api/google/proxy/drive/v3/..%2f..%2fadmin',
    '/api/google/proxy/drive/v3/%2e%2e/x',
    '/api/google/proxy/drive//evil.test/x',
    '/api/google/proxy/drive/@evil.test/x',
    '/api/google/proxy/drive/v3/files%5c..',
  ])('%s never leaves the mapped Google host', async (path) => {
    server = await startTestServer({ bridge: fakeBridge({ getAccessToken: async () => sampleToken() }) });
    // node:http sends the path verbatim; fetch would resolve the dot segments before sending.
    const status = await rawGet(`${server.url}${path}`, { authorization: `Bearer ${await server.sign()}` });
    expect([400, 404]).toContain(status);
  });
});

describe('health and CORS', () => {
  it('/healthz answers, /readyz reports the database', async () => {
    let up = true;
    server = await startTestServer({
      health: async () => ({ database: up ? 'ok' : 'unreachable', locks: 'ok', changeFeed: 'ok' }),
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    up = false;
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ checks: { database: 'unreachable' } });
  });

  it('CORS answers only the configured origins', async () => {
    server = await startTestServer();
    const preflight = (origin: string) =>
      fetch(`${server!.url}/api/google-token`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await preflight('https://evil.test');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('logs', () => {
  it('no session token, cookie or OAuth code reaches the logs', async () => {
    server = await startTestServer();
    const token = await server.sign();
    await fetch(`${server.url}/oauth/google/callback?code=4/SECRETCODE&state=STATEVALUE`, {
      headers: { cookie: `__session=${token}` },
      redirect: 'manual',
    });
    await fetch(`${server.url}/api/google-token`, { headers: { authorization: `Bearer ${token}` } });
    const all = server.logs.join('\n');
    expect(all).toContain('[redacted]');
    expect(all).not.toContain(token);
    expect(all).not.toContain('SECRETCODE');
    expect(all).not.toContain('STATEVALUE');
  });

  it('each answered request is one log line naming its caller, with the status, the time and the URL masked', async () => {
    server = await startTestServer({ bridge: fakeBridge({ getAccessToken: async () => sampleToken() }) });
    const token = await server.sign();
    await fetch(`${server.url}/api/google-token?scope=drive.readonly&__clerk_db_jwt=dvb_secret`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const lines = server.logs.map((line) => JSON.parse(line)).filter((entry) => entry.req?.url?.startsWith('/api/'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      caller: 'user_1',
      req: { method: 'GET', url: '/api/google-token?scope=drive.readonly&__clerk_db_jwt=[redacted]' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      reqId: expect.any(String),
    });
    expect(server.logs.join('\n')).not.toContain(token);
  });

  it('a refused request is logged with its error code and status, so an operator can tell why', async () => {
    server = await startTestServer();
    await fetch(`${server.url}/api/google-token`, { headers: { authorization: 'Bearer not.a.token' } });
    const refused = server.logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'request refused');
    expect(refused).toMatchObject({ errorCode: 'unauthenticated', status: 401 });
  });
});

describe('the web console', () => {
  it('GET /api/config gives the console its public settings and no secret', async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/api/config`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({
      clerkPublishableKey: null,
      clerkProxyUrl: null,
      googleClientId: 'client',
      gsiClientUrl: 'http://127.0.0.1:9/gsi/client',
    });
    expect(body).not.toContain('secret');
  });

  it('serves the console page at / with a CSP of its own', async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${server.url}/web/../package.json`)).status).toBe(404);
  });

  it('with CLERK_PROXY_URL: names it to the console, and its CSP lets clerk-js load and talk there, nowhere else', async () => {
    const clerk = {
      ...testConfig('unused').clerk,
      // A development instance (clerk.example.accounts.dev) served through the app's own /__clerk path.
      publishableKey: 'pk_test_Y2xlcmsuZXhhbXBsZS5hY2NvdW50cy5kZXYk',
      proxyUrl: 'https://app.example.com/__clerk',
    };
    server = await startTestServer({ config: { clerk } });
    const config = await (await fetch(`${server.url}/api/config`)).json();
    expect(config).toMatchObject({
      clerkPublishableKey: clerk.publishableKey,
      clerkProxyUrl: 'https://app.example.com/__clerk',
    });
    const csp = (await fetch(`${server.url}/`)).headers.get('content-security-policy') ?? '';
    const scriptSrc = csp.split('; ').find((d) => d.startsWith('script-src ')) ?? '';
    expect(scriptSrc.split(' ').slice(1).sort()).toEqual(
      ["'self'", 'http://127.0.0.1:9', 'https://app.example.com', 'https://clerk.example.accounts.dev'].sort(),
    );
    expect(csp).toContain('connect-src ');
    expect(csp.split('; ').find((d) => d.startsWith('connect-src '))).toContain('https://app.example.com');
  });
});
