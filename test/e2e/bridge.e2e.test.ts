import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, BACKENDS, startWorld, type World } from './world.js';

const DRIVE = 'https://www.googleapis.com/auth/drive.readonly';
const GMAIL = 'https://www.googleapis.com/auth/gmail.readonly';
const CONTACTS = 'https://www.googleapis.com/auth/contacts.readonly';

interface ErrorBody {
  error: { code: string; message: string; connectUrl?: string; missing?: string[]; reason?: string };
}
interface TokenBody {
  accessToken: string;
  tokenType: string;
  expiresAt: string;
  scopes: string[];
  source: 'oauth' | 'clerk';
  google: { sub: string; email: string };
}

describe.each(BACKENDS)('the bridge end to end, on %s', (backend) => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld(backend);
  });
  afterEach(async () => {
    await world?.close();
  });

  const token = async (who: Parameters<World['call']>[1] extends infer O ? O : never, scopes: string[]) =>
    world.call(`/api/google-token?${new URLSearchParams(scopes.map((s) => ['scope', s]))}`, who);

  it('a signed-in user without a connection gets 409 not_connected with a connect URL; no session gets 401', async () => {
    const ada = await world.signIn('ada@example.com');
    const response = await token({ who: ada }, ['drive.readonly']);
    expect(response.status).toBe(409);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('not_connected');
    expect(body.error.connectUrl).toBe(`${world.publicUrl}/connect/google?scope=drive.readonly`);

    const anonymous = await token({}, ['drive.readonly']);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as ErrorBody).error.code).toBe('unauthenticated');
  });

  it('bad input is refused with 400: an unknown scope (invalid_scope), a malformed body (invalid_request), an open redirect', async () => {
    const ada = await world.signIn('ada@example.com');
    const unknown = await token({ who: ada }, ['drive.everything']);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as ErrorBody).error.code).toBe('invalid_scope');

    const malformed = await world.call('/api/google-token', { who: ada, body: { scopes: { drive: true } } });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).error.code).toBe('invalid_request');

    const redirect = await fetch(`${world.service.url}/connect/google?return_to=${encodeURIComponent('//evil.test')}`, {
      headers: { cookie: `__session=${ada.sessionToken}` },
      redirect: 'manual',
    });
    expect(redirect.status).toBe(400);
    expect(((await redirect.json()) as ErrorBody).error.code).toBe('invalid_request');
  });

  it('Google failing every refresh gives 503 upstream_unavailable with Retry-After, and the connection stays usable', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    world.clock.advance(3600_000);
    world.sandbox.google.control.injectFault({ endpoint: '/token', status: 503, retryAfterSeconds: 7, times: 50 });

    const failing = await token({ who: ada }, ['drive.readonly']);
    expect(failing.status).toBe(503);
    expect(Number(failing.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await failing.json()) as ErrorBody).error.code).toBe('upstream_unavailable');

    world.sandbox.google.control.clearFaults();
    expect((await token({ who: ada }, ['drive.readonly'])).status).toBe(200);
    const shown = (await (await world.call('/api/google/connection', { who: ada })).json()) as {
      connection: { status: string };
    };
    expect(shown.connection.status).toBe('active');
  });

  it('the redirect flow connects Google and the token answers with Cache-Control: no-store', async () => {
    const ada = await world.signIn('ada@example.com');
    const back = await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com', returnTo: '/settings' });
    expect(back.pathname + back.search).toBe('/settings?google_connect=connected');

    const response = await token({ who: ada }, ['drive.readonly']);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as TokenBody;
    expect(body).toMatchObject({ tokenType: 'Bearer', source: 'oauth', google: { email: 'ada@example.com' } });
    expect(body.scopes).toContain(DRIVE);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(world.clock.now());

    // The same answer through POST with a JSON body and through the __session cookie.
    const posted = await world.call('/api/google-token', {
      body: { scopes: [DRIVE] },
      headers: { cookie: `__session=${ada.sessionToken}` },
    });
    expect(posted.status).toBe(200);
    expect(((await posted.json()) as TokenBody).accessToken).toBe(body.accessToken);

    const connection = await world.call('/api/google/connection', { who: ada });
    expect(await connection.json()).toMatchObject({
      connection: { status: 'active', source: 'oauth', google: { email: 'ada@example.com' } },
    });
  });

  it('a denied consent sends the browser back with an error marker and connects nothing', async () => {
    const ada = await world.signIn('ada@example.com');
    const back = await world.connect(ada, ['drive.readonly'], {
      account: 'ada@example.com',
      deny: true,
      returnTo: '/settings',
    });
    expect(back.pathname + back.search).toBe('/settings?google_connect=access_denied');
    expect((await token({ who: ada }, ['drive.readonly'])).status).toBe(409);
  });

  it('granular consent: an unticked scope is reported as scopes_missing with an incremental connect URL', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly', 'gmail.readonly'], { account: 'ada@example.com', grant: [DRIVE] });

    expect((await token({ who: ada }, ['drive.readonly'])).status).toBe(200);
    const response = await token({ who: ada }, ['gmail.readonly']);
    expect(response.status).toBe(403);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('scopes_missing');
    expect(body.error.missing).toEqual([GMAIL]);
    expect(body.error.connectUrl).toBe(`${world.publicUrl}/connect/google?scope=gmail.readonly`);
  });

  it('incremental consent adds a scope and keeps the earlier ones', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    await world.connect(ada, ['gmail.readonly'], { account: 'ada@example.com' });

    const response = await token({ who: ada }, ['drive.readonly', 'gmail.readonly']);
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenBody;
    expect(body.scopes).toEqual(expect.arrayContaining([DRIVE, GMAIL]));
  });

  it('the popup flow exchanges a GIS code only with X-Requested-With: XmlHttpRequest', async () => {
    const grace = await world.signIn('grace@example.com');
    const code = await world.popupCode(['openid', 'email', CONTACTS], 'grace@example.com');
    const refused = await world.call('/api/google/code', { who: grace, body: { code } });
    expect(refused.status).toBe(400);

    const accepted = await world.call('/api/google/code', {
      who: grace,
      body: { code },
      headers: { 'x-requested-with': 'XmlHttpRequest' },
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ connection: { google: { email: 'grace@example.com' } } });
    expect((await token({ who: grace }, ['contacts.readonly'])).status).toBe(200);
  });

  it('the proxy reaches Drive with the user’s token, maps the scope error, and passes 429 through', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });

    const files = await world.call('/api/google/proxy/drive/v3/files?pageSize=5', { who: ada });
    expect(files.status).toBe(200);
    const page = (await files.json()) as { files: unknown[]; nextPageToken?: string };
    expect(page.files).toHaveLength(5);
    expect(page.nextPageToken).toBeDefined();

    const labels = await world.call('/api/google/proxy/gmail/v1/users/me/labels', { who: ada });
    expect(labels.status).toBe(403);
    const scopeError = (await labels.json()) as ErrorBody;
    expect(scopeError.error.code).toBe('scopes_missing');
    expect(scopeError.error.missing).toEqual([GMAIL]);

    world.sandbox.google.control.setRateLimit({ perWindow: 1, windowSeconds: 60 }, { email: 'ada@example.com' });
    await world.call('/api/google/proxy/drive/v3/files?pageSize=1', { who: ada });
    const limited = await world.call('/api/google/proxy/drive/v3/files?pageSize=1', { who: ada });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });

  it('the proxy retries a 401 once with a forced refresh', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const before = world.sandbox.google.control.counters().grants.refresh_token;
    world.sandbox.google.control.expireAccessTokens({ email: 'ada@example.com' });

    const files = await world.call('/api/google/proxy/drive/v3/files?pageSize=1', { who: ada });
    expect(files.status).toBe(200);
    expect(world.sandbox.google.control.counters().grants.refresh_token).toBe(before + 1);
  });

  it('a grant revoked at Google leads to reconnect_required, and reconnecting works again', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    world.sandbox.google.control.revokeGrant({ email: 'ada@example.com' });
    world.clock.advance(3600_000);

    const refused = await token({ who: ada }, ['drive.readonly']);
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: 'reconnect_required', reason: 'revoked' });
    expect(body.error.connectUrl).toContain('/connect/google');

    const fresh = await world.signIn('ada@example.com');
    await world.connect(fresh, ['drive.readonly'], { account: 'ada@example.com' });
    expect((await token({ who: fresh }, ['drive.readonly'])).status).toBe(200);
  });

  it('concurrent requests for one expired token cause exactly one refresh grant at Google', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const first = (await (await token({ who: ada }, ['drive.readonly'])).json()) as TokenBody;
    const before = world.sandbox.google.control.counters().grants.refresh_token;
    world.clock.advance(3600_000);

    const answers = await Promise.all(Array.from({ length: 12 }, () => token({ who: ada }, ['drive.readonly'])));
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as TokenBody[];
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(new Set(bodies.map((b) => b.accessToken)).size).toBe(1);
    expect(bodies[0]!.accessToken).not.toBe(first.accessToken);
    expect(world.sandbox.google.control.counters().grants.refresh_token).toBe(before + 1);
  });

  it('a refresh reply without a refresh token keeps the stored one, so later refreshes still work', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const seen = new Set<string>();
    for (let round = 0; round < 3; round++) {
      world.clock.advance(3600_000);
      const response = await token({ who: ada }, ['drive.readonly']);
      expect(response.status).toBe(200);
      seen.add(((await response.json()) as TokenBody).accessToken);
    }
    expect(seen.size).toBe(3);
  });

  it('DELETE /api/google/connection revokes at Google and forgets the connection, idempotently', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const accessToken = ((await (await token({ who: ada }, ['drive.readonly'])).json()) as TokenBody).accessToken;

    for (let i = 0; i < 2; i++) {
      expect((await world.call('/api/google/connection', { who: ada, method: 'DELETE' })).status).toBe(204);
    }
    expect((await token({ who: ada }, ['drive.readonly'])).status).toBe(409);
    const shown = (await (await world.call('/api/google/connection', { who: ada })).json()) as { connection: null };
    expect(shown.connection).toBeNull();
    // Google no longer honours the old token.
    const google = await fetch(`${world.sandbox.google.url}/drive/v3/files`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(google.status).toBe(401);
  });

  it('server to server: an API key reads a user’s token; a wrong key is refused', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const ok = await world.call(`/api/users/${ada.userId}/google-token?scope=drive.readonly`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as TokenBody).google.email).toBe('ada@example.com');
    const wrong = await world.call(`/api/users/${ada.userId}/google-token`, {
      headers: { authorization: 'Bearer not-the-key-0123456789abcdef' },
    });
    expect(wrong.status).toBe(401);
  });

  it('deleting the user at Clerk purges the connection through the signed user.deleted webhook', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    world.sandbox.clerk.control.deleteUser(ada.userId);
    await world.sandbox.clerk.control.webhooksIdle();

    const deliveries = world.sandbox.clerk.control.webhookDeliveries();
    expect(deliveries.some((d) => JSON.stringify(d).includes('user.deleted'))).toBe(true);
    const after = await world.call(`/api/users/${ada.userId}/google-token`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(after.status).toBe(409);
    expect(((await after.json()) as ErrorBody).error.code).toBe('not_connected');
  });

  it('a Google account linked through Clerk serves a Clerk-held token', async () => {
    const linus = await world.signIn('linus@acme.test');
    world.sandbox.clerk.control.linkGoogleAccount(linus.userId, {
      sub: '109876543210987654321',
      email: 'linus@acme.test',
      accessToken: 'ya29.clerk-held-token-for-linus',
      refreshToken: '1//0clerk-held-refresh',
      scopes: ['openid', 'email', 'profile', DRIVE],
    });
    await world.sandbox.clerk.control.webhooksIdle();
    const response = await token({ who: linus }, ['drive.readonly']);
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenBody;
    expect(body).toMatchObject({ source: 'clerk', accessToken: 'ya29.clerk-held-token-for-linus' });
  });

  it('Clerk’s 422 for a Clerk-held account without a refresh token becomes reconnect_required', async () => {
    const linus = await world.signIn('linus@acme.test');
    world.sandbox.clerk.control.linkGoogleAccount(linus.userId, {
      sub: '109876543210987654321',
      email: 'linus@acme.test',
      accessToken: 'ya29.expired-clerk-token',
      expiresInSeconds: 1,
      scopes: ['openid', 'email', DRIVE],
    });
    world.sandbox.clerk.control.expireGoogleAccessTokens(linus.userId);
    await world.sandbox.clerk.control.webhooksIdle();
    const response = await token({ who: linus }, ['drive.readonly']);
    expect(response.status).toBe(409);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('reconnect_required');
    expect(body.error.connectUrl).toContain('/connect/google');
  });

  it('tokens are stored as ciphertext, never as plaintext', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const { accessToken } = (await (await token({ who: ada }, ['drive.readonly'])).json()) as TokenBody;
    const raw =
      backend === 'sqlite'
        ? [world.dbFile!, `${world.dbFile!}-wal`]
            .map((file) => {
              try {
                return readFileSync(file).toString('latin1');
              } catch {
                return '';
              }
            })
            .join('')
        : await world.rawConnections();
    expect(raw).toContain('ada@example.com');
    expect(raw).not.toContain(accessToken);
    expect(raw).not.toContain(accessToken.slice(5, 40));
    expect(raw).not.toMatch(/1\/\/0[A-Za-z0-9_-]{20}/);
  });

  it('health: /healthz answers and /readyz covers the database, the refresh locks and the change feed', async () => {
    expect((await world.call('/healthz')).status).toBe(200);
    const ready = await world.call('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', locks: 'ok', changeFeed: 'ok' },
    });
  });

  it('no token, code or session reaches the logs', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const { accessToken } = (await (await token({ who: ada }, ['drive.readonly'])).json()) as TokenBody;
    const logs = world.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(accessToken);
    expect(logs).not.toContain(ada.sessionToken);
    expect(logs).not.toMatch(/code=4%2F|code=4\//);
  });
});
