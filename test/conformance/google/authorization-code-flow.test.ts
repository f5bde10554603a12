import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsentPageError, CookieJar, completeConsent } from '../../../src/sandbox/google/index.js';
import {
  ADA,
  APP,
  CONTACTS_READONLY,
  DRIVE_READONLY,
  GRACE,
  type Harness,
  LINUS,
  startHarness,
  USERINFO_EMAIL,
  USERINFO_PROFILE,
} from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('the authorization code flow, driven by google-auth-library', () => {
  it('takes a user from the auth URL through consent to tokens with a PKCE verifier, and the id_token verifies', async () => {
    const client = h.oauthClient();
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const callback = await h.authorize(client, {
      scope: ['openid', 'email', 'profile', DRIVE_READONLY],
      access_type: 'offline',
      state: 'xyz-state',
      nonce: 'n-0S6_WzA2Mj',
      code_challenge: codeChallenge,
      code_challenge_method: 'S256' as never,
    });

    expect(callback.origin + callback.pathname).toBe(APP.redirectUri);
    expect([...callback.searchParams.keys()]).toEqual(['state', 'iss', 'code', 'scope', 'authuser', 'prompt']);
    expect(callback.searchParams.get('state')).toBe('xyz-state');
    expect(callback.searchParams.get('iss')).toBe('https://accounts.google.com');
    expect(callback.searchParams.get('code')).toMatch(/^4\/0A/);
    expect(callback.searchParams.get('authuser')).toBe('0');
    expect(callback.searchParams.get('prompt')).toBe('consent');
    expect(callback.searchParams.get('scope')?.split(' ').sort()).toEqual(
      ['email', 'profile', 'openid', USERINFO_EMAIL, USERINFO_PROFILE, DRIVE_READONLY].sort(),
    );

    const { tokens, res } = await client.getToken({ code: callback.searchParams.get('code')!, codeVerifier });
    expect(res?.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res?.headers.get('cache-control')).toContain('no-store');
    expect(tokens.access_token).toMatch(/^ya29\./);
    expect(tokens.refresh_token).toMatch(/^1\/\/0/);
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.expiry_date).toBeGreaterThan(Date.now() + 3500_000);
    expect(tokens.scope?.split(' ')).toContain(DRIVE_READONLY);
    expect(tokens).not.toHaveProperty('refresh_token_expires_in');

    const ticket = await client.verifyIdToken({ idToken: tokens.id_token!, audience: APP.clientId });
    const claims = ticket.getPayload()!;
    expect(claims).toMatchObject({
      iss: 'https://accounts.google.com',
      aud: APP.clientId,
      azp: APP.clientId,
      email: ADA,
      email_verified: true,
      nonce: 'n-0S6_WzA2Mj',
      name: expect.any(String),
      given_name: expect.any(String),
      family_name: expect.any(String),
      picture: expect.any(String),
    });
    expect(claims.sub).toMatch(/^\d{10,}$/);
    expect(claims.at_hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims.hd).toBeUndefined();
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()) as { kid: string };
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(header.kid).toMatch(/^[0-9a-f]{40}$/);
  });

  it('gives a Workspace account an id_token with hd, and a stable sub across sign-ins', async () => {
    const client = h.oauthClient();
    const subs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const callback = await h.authorize(client, { scope: ['openid', 'email'] }, { account: LINUS });
      expect(callback.searchParams.get('hd')).toBe('acme.test');
      const { tokens } = await client.getToken(callback.searchParams.get('code')!);
      const claims = (await client.verifyIdToken({ idToken: tokens.id_token!, audience: APP.clientId })).getPayload()!;
      expect(claims.hd).toBe('acme.test');
      expect(claims.email).toBe(LINUS);
      expect(claims.name).toBeUndefined();
      subs.push(claims.sub);
    }
    expect(subs[0]).toBe(subs[1]);
  });

  it('returns only the scopes the user ticked (granular consent), with sign-in scopes always granted', async () => {
    const client = h.oauthClient();
    const callback = await h.authorize(
      client,
      { scope: ['openid', 'email', DRIVE_READONLY, CONTACTS_READONLY], prompt: 'consent' },
      { account: GRACE, grant: ['contacts.readonly'] },
    );
    const scope = callback.searchParams.get('scope')!.split(' ');
    expect(scope).toContain(CONTACTS_READONLY);
    expect(scope).toContain('openid');
    expect(scope).toContain(USERINFO_EMAIL);
    expect(scope).not.toContain(DRIVE_READONLY);
    const { tokens } = await client.getToken(callback.searchParams.get('code')!);
    expect(tokens.scope?.split(' ')).not.toContain(DRIVE_READONLY);
    const info = await client.getTokenInfo(tokens.access_token!);
    expect(info.scopes).toContain(CONTACTS_READONLY);
    expect(info.scopes).not.toContain(DRIVE_READONLY);
  });

  it('sends the user back with error=access_denied and the state when they press Cancel', async () => {
    const callback = await h.authorize(
      h.oauthClient(),
      { scope: [DRIVE_READONLY], state: 's1', prompt: 'consent' },
      { account: ADA, deny: true },
    );
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('s1');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('shows redirect_uri_mismatch on its own page instead of redirecting to an unregistered URI', async () => {
    const client = h.oauthClient({ redirectUri: 'http://127.0.0.1:9/evil' });
    const error = await h.authorize(client, { scope: ['openid'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentPageError);
    expect((error as ConsentPageError).status).toBe(400);
    expect((error as ConsentPageError).error).toBe('redirect_uri_mismatch');
    expect((error as ConsentPageError).html).toContain('http://127.0.0.1:9/evil');
  });

  it('shows an unknown client as invalid_client (401) on its own page', async () => {
    const client = h.oauthClient({ clientId: 'nobody.apps.googleusercontent.com' });
    const error = (await h.authorize(client, { scope: ['openid'] }).catch((e: unknown) => e)) as ConsentPageError;
    expect(error.status).toBe(401);
    expect(error.error).toBe('invalid_client');
  });

  it('accepts a plain PKCE challenge (the default method when none is named)', async () => {
    const client = h.oauthClient();
    const verifier = 'plain-verifier-0123456789-0123456789-0123456789';
    const callback = await h.authorize(client, { scope: ['openid'], code_challenge: verifier });
    const { tokens } = await client.getToken({ code: callback.searchParams.get('code')!, codeVerifier: verifier });
    expect(tokens.access_token).toBeDefined();
  });

  it('skips the chooser for a login_hint and the consent screen when everything asked is already granted', async () => {
    const client = h.oauthClient();
    const first = await h.authorize(client, { scope: ['openid', 'email'], login_hint: GRACE }, {});
    expect(first.searchParams.get('code')).toBeTruthy();
    // Already granted, prompt not consent: no page is shown at all.
    const again = await h.authorize(client, { scope: ['openid', 'email'], login_hint: GRACE }, {});
    expect(again.searchParams.get('prompt')).toBe('none');
    const { tokens } = await client.getToken(again.searchParams.get('code')!);
    const claims = (await client.verifyIdToken({ idToken: tokens.id_token!, audience: APP.clientId })).getPayload()!;
    expect(claims.email).toBe(GRACE);
  });

  it('answers prompt=none from the browser session: login_required without one, consent_required for new scopes', async () => {
    const client = h.oauthClient();
    const noSession = await completeConsent(client.generateAuthUrl({ scope: ['openid'], prompt: 'none', state: 'p' }));
    expect(noSession.searchParams.get('error')).toBe('login_required');
    expect(noSession.searchParams.get('state')).toBe('p');

    const cookies = new CookieJar();
    await completeConsent(client.generateAuthUrl({ scope: ['openid', 'email'] }), { account: ADA, cookies });
    const silent = await completeConsent(client.generateAuthUrl({ scope: ['openid', 'email'], prompt: 'none' }), {
      cookies,
    });
    expect(silent.searchParams.get('code')).toBeTruthy();
    expect(silent.searchParams.get('prompt')).toBe('none');

    const more = await completeConsent(
      client.generateAuthUrl({ scope: ['openid', CONTACTS_READONLY], prompt: 'none', login_hint: ADA }),
      { cookies },
    );
    expect(more.searchParams.get('error')).toBe('consent_required');
  });

  it('builds up grants per account and client with include_granted_scopes', async () => {
    const client = h.oauthClient();
    const cookies = new CookieJar();
    await h.authorize(client, { scope: ['openid', DRIVE_READONLY], prompt: 'consent' }, { account: LINUS, cookies });

    const incremental = await h.authorize(
      client,
      { scope: ['openid', CONTACTS_READONLY], include_granted_scopes: true },
      { account: LINUS, cookies },
    );
    expect(incremental.searchParams.get('scope')!.split(' ')).toEqual(
      expect.arrayContaining([DRIVE_READONLY, CONTACTS_READONLY]),
    );
    const { tokens } = await client.getToken(incremental.searchParams.get('code')!);
    expect(tokens.scope!.split(' ')).toEqual(expect.arrayContaining([DRIVE_READONLY, CONTACTS_READONLY]));

    const alone = await h.authorize(client, { scope: ['openid', CONTACTS_READONLY] }, { account: LINUS, cookies });
    expect(alone.searchParams.get('scope')!.split(' ')).not.toContain(DRIVE_READONLY);
  });

  it('hands out a refresh token only on the first offline grant, or again with prompt=consent', async () => {
    const client = h.oauthClient();
    const scope = ['openid', 'https://www.googleapis.com/auth/gmail.readonly'];
    const first = await h.authorize(client, { scope, access_type: 'offline' }, { account: GRACE });
    expect((await client.getToken(first.searchParams.get('code')!)).tokens.refresh_token).toBeTruthy();

    const second = await h.authorize(client, { scope, access_type: 'offline' }, { account: GRACE });
    expect((await client.getToken(second.searchParams.get('code')!)).tokens.refresh_token).toBeUndefined();

    const forced = await h.authorize(client, { scope, access_type: 'offline', prompt: 'consent' }, { account: GRACE });
    expect((await client.getToken(forced.searchParams.get('code')!)).tokens.refresh_token).toBeTruthy();

    const online = await h.authorize(client, { scope, prompt: 'consent' }, { account: GRACE });
    expect((await client.getToken(online.searchParams.get('code')!)).tokens.refresh_token).toBeUndefined();
  });
});
