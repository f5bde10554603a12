import { createClerkClient, verifyToken } from '@clerk/backend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  connectGoogle,
  frontendApiOf,
  reauthorizeGoogle,
  signInByEmail,
  signInWithGoogle,
} from '../../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../../src/sandbox/google/index.js';
import { ADA, CLERK_GOOGLE_CLIENT, type ClerkWorld, DRIVE_READONLY, GMAIL_READONLY, startWorld } from './harness.js';

const APP = 'http://localhost:3000';

let world: ClerkWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.close());
beforeEach(() => {
  world.clerk.control.reset();
  world.google.control.reset();
  world.google.control.registerClient({ ...CLERK_GOOGLE_CLIENT, redirectUris: [world.clerk.googleCallbackUrl] });
});

describe('the publishable key', () => {
  it('is pk_test_ + base64(host$) pointing at the emulator', () => {
    expect(world.clerk.publishableKey).toMatch(/^pk_test_/);
    expect(frontendApiOf(world.clerk.publishableKey)).toBe(new URL(world.clerk.url).host);
  });
});

describe('signing in through the hosted page, without a browser', () => {
  it('signs up a new email and leaves a session cookie that verifyToken accepts for the app', async () => {
    const signIn = await signInByEmail(world.clerk, 'newcomer@example.com', { redirectUrl: `${APP}/dashboard` });
    expect(signIn.redirectedTo.origin + signIn.redirectedTo.pathname).toBe(`${APP}/dashboard`);
    expect(signIn.redirectedTo.searchParams.get('__clerk_db_jwt')).toBe(signIn.clientToken);
    const cookie = /__session=([^;]+)/.exec(signIn.appCookieHeader)?.[1];
    expect(cookie).toBe(signIn.sessionToken);

    const claims = await verifyToken(cookie ?? '', { jwtKey: world.clerk.jwtKey, authorizedParties: [APP] });
    expect(claims.sub).toBe(signIn.userId);
    expect(claims.sid).toBe(signIn.sessionId);
    expect(claims.azp).toBe(APP);
    const user = await world.backend.users.getUser(signIn.userId);
    expect(user.primaryEmailAddress?.emailAddress).toBe('newcomer@example.com');
  });

  it('leaves the cookies authenticateRequest expects of a development instance', async () => {
    const signIn = await signInByEmail(world.clerk, 'cookies@example.com', { redirectUrl: `${APP}/` });
    const backend = createClerkClient({
      secretKey: world.clerk.secretKey,
      apiUrl: world.clerk.url,
      publishableKey: world.clerk.publishableKey,
    });
    for (const dest of ['empty', 'document']) {
      const request = new Request(`${APP}/api/notes`, {
        headers: { cookie: signIn.appCookieHeader, 'sec-fetch-dest': dest, accept: 'text/html' },
      });
      const state = await backend.authenticateRequest(request, { authorizedParties: [APP] });
      expect(state.status).toBe('signed-in');
      expect(state.toAuth()?.userId).toBe(signIn.userId);
    }
    const bearer = await backend.authenticateRequest(
      new Request(`${APP}/api/notes`, { headers: { authorization: `Bearer ${signIn.sessionToken}` } }),
      { authorizedParties: [APP] },
    );
    expect(bearer.toAuth()?.userId).toBe(signIn.userId);
  });

  it('signs an existing user in as that user, and keeps tokens coming for the session', async () => {
    const existing = world.clerk.control.createUser({ email: 'known@example.com' });
    const signIn = await signInByEmail(world.clerk, 'known@example.com');
    expect(signIn.userId).toBe(existing.id);
    world.clock.advance(50_000);
    const next = await signIn.refreshSessionToken();
    expect(next).not.toBe(signIn.sessionToken);
    expect((await world.backend.sessions.getSession(signIn.sessionId)).status).toBe('active');
  });

  it('lists the test users on the page so one can be picked', async () => {
    world.clerk.control.createUser({ email: 'pick-me@example.com' });
    const page = await fetch(`${world.clerk.url}/sign-in`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('value="pick-me@example.com"');
    expect(html).toContain('Continue with Google');
    // Everything the page loads comes from the emulator itself.
    expect(html).not.toMatch(/(src|href|action)="https?:\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it('sets the __client cookie HttpOnly and SameSite=Lax on the emulator', async () => {
    const form = new URLSearchParams({ email_address: 'cookie@example.com', redirect_url: `${APP}/` });
    const response = await fetch(`${world.clerk.url}/sign-in`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('__client='));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
  });

  it('refuses to redirect to an origin that is not allowed', async () => {
    const page = await fetch(`${world.clerk.url}/sign-in?redirect_url=${encodeURIComponent('https://evil.example/')}`);
    expect(page.status).toBe(400);
    const post = await fetch(`${world.clerk.url}/sign-in`, {
      method: 'POST',
      body: new URLSearchParams({ email_address: 'x@example.com', redirect_url: 'https://evil.example/' }),
      redirect: 'manual',
    });
    expect(post.status).toBe(400);
    expect(post.headers.get('location')).toBeNull();
  });

  it('shows the form again for an invalid email', async () => {
    const post = await fetch(`${world.clerk.url}/sign-in`, {
      method: 'POST',
      body: new URLSearchParams({ email_address: 'not an email' }),
      redirect: 'manual',
    });
    expect(post.status).toBe(422);
    expect(await post.text()).toContain('data-error=');
  });
});

describe('the handshake of authenticateRequest', () => {
  it('renews a stale __session on a page load when proxyUrl points at the emulator', async () => {
    // Two minutes after sign-in, the session token in the cookie has expired.
    const signIn = await signInByEmail(world.clerk, 'handshake@example.com', { redirectUrl: `${APP}/` });
    world.clock.advance(120_000);
    const backend = createClerkClient({
      secretKey: world.clerk.secretKey,
      apiUrl: world.clerk.url,
      publishableKey: world.clerk.publishableKey,
    });
    const options = { authorizedParties: [APP], proxyUrl: world.clerk.url };
    const pageLoad = (url: string) =>
      new Request(url, {
        headers: { cookie: signIn.appCookieHeader, 'sec-fetch-dest': 'document', accept: 'text/html' },
      });

    const first = await backend.authenticateRequest(pageLoad(`${APP}/notes`), options);
    expect(first.status).toBe('handshake');
    const handshakeUrl = first.headers.get('location') ?? '';
    expect(handshakeUrl.startsWith(`${world.clerk.url}/v1/client/handshake?`)).toBe(true);

    const visit = await fetch(handshakeUrl, { redirect: 'manual' });
    expect(visit.status).toBe(307);
    const back = new URL(visit.headers.get('location') ?? '');
    expect(back.origin + back.pathname).toBe(`${APP}/notes`);
    expect(back.searchParams.get('__clerk_handshake_nonce')).toEqual(expect.any(String));

    const second = await backend.authenticateRequest(pageLoad(back.toString()), options);
    expect(second.status).toBe('signed-in');
    expect(second.toAuth()?.userId).toBe(signIn.userId);
    const fresh = second.headers.getSetCookie().find((c) => c.startsWith('__session='));
    const token = /^__session=([^;]+)/.exec(fresh ?? '')?.[1] ?? '';
    expect((await verifyToken(token, { jwtKey: world.clerk.jwtKey, authorizedParties: [APP] })).sid).toBe(
      signIn.sessionId,
    );

    // A nonce is good for one redemption.
    const replay = await fetch(
      `${world.clerk.url}/v1/clients/handshake_payload?nonce=${back.searchParams.get('__clerk_handshake_nonce')}`,
      { headers: { authorization: `Bearer ${world.clerk.secretKey}` } },
    );
    expect(replay.status).toBe(404);
  });

  it('signs the page out when the browser’s session has ended', async () => {
    const signIn = await signInByEmail(world.clerk, 'ended@example.com', { redirectUrl: `${APP}/` });
    world.clock.advance(120_000);
    await world.backend.sessions.revokeSession(signIn.sessionId);
    const backend = createClerkClient({
      secretKey: world.clerk.secretKey,
      apiUrl: world.clerk.url,
      publishableKey: world.clerk.publishableKey,
    });
    const options = { authorizedParties: [APP], proxyUrl: world.clerk.url };
    const headers = { cookie: signIn.appCookieHeader, 'sec-fetch-dest': 'document', accept: 'text/html' };
    const first = await backend.authenticateRequest(new Request(`${APP}/`, { headers }), options);
    const visit = await fetch(first.headers.get('location') ?? '', { redirect: 'manual' });
    const second = await backend.authenticateRequest(
      new Request(visit.headers.get('location') ?? '', { headers }),
      options,
    );
    expect(second.status).toBe('signed-out');
    expect(second.headers.getSetCookie().some((c) => c.startsWith('__client_uat=0'))).toBe(true);
  });
});

describe('Continue with Google', () => {
  it('brings the user back to the sign-in page when consent is refused', async () => {
    const start = await fetch(`${world.clerk.url}/sign-in/google?redirect_url=${encodeURIComponent(`${APP}/`)}`, {
      redirect: 'manual',
    });
    const callback = await completeConsent(start.headers.get('location') ?? '', { account: ADA, deny: true });
    const back = await fetch(callback, { redirect: 'manual' });
    const location = new URL(back.headers.get('location') ?? '', world.clerk.url);
    expect(location.pathname).toBe('/sign-in');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect((await world.backend.users.getUserList()).totalCount).toBe(0);
  });

  it('refuses a replayed callback state', async () => {
    const start = await fetch(`${world.clerk.url}/sign-in/google`, { redirect: 'manual' });
    const callback = await completeConsent(start.headers.get('location') ?? '', { account: ADA });
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(400);
  });

  it('links to an existing user with the same email instead of creating another', async () => {
    const existing = world.clerk.control.createUser({ email: ADA });
    const signIn = await signInWithGoogle(world.clerk, { account: ADA });
    expect(signIn.userId).toBe(existing.id);
    const user = await world.backend.users.getUser(existing.id);
    expect(user.externalAccounts).toHaveLength(1);
  });
});

describe('adding Google scopes the Clerk way', () => {
  it('reauthorize with oidcPrompt consent reaches Google as prompt=consent and widens approved_scopes', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA, redirectUrl: `${APP}/` });
    const me = await fetch(`${world.clerk.url}/v1/me?__clerk_db_jwt=${signIn.clientToken}`, {
      headers: { origin: APP },
    });
    const account = (await me.json()).response.external_accounts[0];

    const patch = await fetch(
      `${world.clerk.url}/v1/me/external_accounts/${account.id}/reauthorize?__clerk_db_jwt=${signIn.clientToken}`,
      {
        method: 'PATCH',
        headers: { origin: APP, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          redirect_url: `${APP}/settings`,
          additional_scope: GMAIL_READONLY,
          oidc_prompt: 'consent',
        }),
      },
    );
    expect(patch.status).toBe(200);
    expect(patch.headers.get('access-control-allow-origin')).toBe(APP);
    const googleUrl = new URL((await patch.json()).response.verification.external_verification_redirect_url);
    expect(googleUrl.origin).toBe(world.google.url);
    expect(googleUrl.searchParams.get('prompt')).toBe('consent');
    expect(googleUrl.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', GMAIL_READONLY]));

    const landed = await reauthorizeGoogle(world.clerk, signIn, {
      additionalScopes: [GMAIL_READONLY],
      oidcPrompt: 'consent',
      redirectUrl: `${APP}/settings`,
    });
    expect(landed.toString()).toBe(`${APP}/settings`);
    const user = await world.backend.users.getUser(signIn.userId);
    expect(user.externalAccounts[0]?.approvedScopes.split(' ')).toContain(GMAIL_READONLY);
    const token = await world.backend.users.getUserOauthAccessToken(signIn.userId, 'google');
    expect(token.data[0]?.scopes).toContain(GMAIL_READONLY);
  });

  it('externalAccount.destroy (POST …?_method=DELETE, as clerk-js sends it) removes the user’s own account', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA, redirectUrl: `${APP}/` });
    const me = await fetch(`${world.clerk.url}/v1/me?__clerk_db_jwt=${signIn.clientToken}`, {
      headers: { origin: APP },
    });
    const account = (await me.json()).response.external_accounts[0];
    const path = (id: string) =>
      `${world.clerk.url}/v1/me/external_accounts/${id}?__clerk_db_jwt=${signIn.clientToken}`;

    const plainPost = await fetch(path(account.id), { method: 'POST', headers: { origin: APP } });
    expect(plainPost.status).toBe(404);
    const removed = await fetch(`${path(account.id)}&_method=DELETE`, { method: 'POST', headers: { origin: APP } });
    expect(removed.status).toBe(200);
    expect(removed.headers.get('access-control-allow-origin')).toBe(APP);
    const body = await removed.json();
    expect(body.response).toEqual({ object: 'external_account', id: account.id, deleted: true });
    // The client that comes with the answer carries a session token for the page that asked, as every answer does:
    // clerk-js uses it for the app's next call.
    const token = body.client.sessions[0].last_active_token.jwt;
    expect((await verifyToken(token, { jwtKey: world.clerk.jwtKey, authorizedParties: [APP] })).azp).toBe(APP);
    const user = await world.backend.users.getUser(signIn.userId);
    expect(user.externalAccounts).toEqual([]);
    // The email stays, no longer linked to Google; Clerk forgets the tokens (it does not revoke them at Google).
    expect(user.primaryEmailAddress?.emailAddress).toBe(ADA);
    expect(user.primaryEmailAddress?.linkedTo).toEqual([]);

    const again = await fetch(path(account.id), { method: 'DELETE', headers: { origin: APP } });
    expect(again.status).toBe(404);
    const signedOut = await fetch(`${world.clerk.url}/v1/me/external_accounts/${account.id}`, {
      method: 'DELETE',
      headers: { origin: APP },
    });
    expect(signedOut.status).toBe(401);
  });

  it('createExternalAccount connects Google to an email user with the extra scopes', async () => {
    const signIn = await signInByEmail(world.clerk, ADA, { redirectUrl: `${APP}/` });
    const landed = await connectGoogle(world.clerk, signIn, { additionalScopes: [DRIVE_READONLY], account: ADA });
    expect(landed.searchParams.get('clerk_error')).toBeNull();
    const user = await world.backend.users.getUser(signIn.userId);
    expect(user.externalAccounts[0]?.provider).toBe('oauth_google');
    expect(user.externalAccounts[0]?.approvedScopes.split(' ')).toContain(DRIVE_READONLY);
  });

  it('a refused consent leaves the account as it was and says so in the redirect', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA, redirectUrl: `${APP}/` });
    const landed = await reauthorizeGoogle(world.clerk, signIn, { additionalScopes: [GMAIL_READONLY], deny: true });
    expect(landed.searchParams.get('clerk_error')).toBe('access_denied');
    const user = await world.backend.users.getUser(signIn.userId);
    expect(user.externalAccounts[0]?.approvedScopes).not.toContain(GMAIL_READONLY);
  });
});

describe('the Frontend API', () => {
  it('answers CORS preflights for allowed origins with credentials', async () => {
    const response = await fetch(`${world.clerk.url}/v1/client/sessions/sess_x/tokens`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('with allowedOrigins configured, trusts exactly those origins', async () => {
    const strict = await startWorld({ allowedOrigins: ['http://localhost:3000'] });
    try {
      const allowed = await fetch(`${strict.clerk.url}/v1/client`, { headers: { origin: APP } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
      const otherPort = await fetch(`${strict.clerk.url}/v1/client`, { headers: { origin: 'http://localhost:4000' } });
      expect(otherPort.status).toBe(403);
      const page = await fetch(
        `${strict.clerk.url}/sign-in?redirect_url=${encodeURIComponent('http://localhost:4000/')}`,
      );
      expect(page.status).toBe(400);
    } finally {
      await strict.close();
    }
  });

  it('refuses origins that are not allowed', async () => {
    const response = await fetch(`${world.clerk.url}/v1/client`, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect((await response.json()).errors[0].code).toBe('origin_invalid');
  });

  it('mints { object: "token", jwt } for the browser’s session, with the page origin as azp', async () => {
    const signIn = await signInByEmail(world.clerk, 'fapi@example.com', { redirectUrl: `${APP}/` });
    const response = await fetch(
      `${world.clerk.url}/v1/client/sessions/${signIn.sessionId}/tokens?__clerk_db_jwt=${signIn.clientToken}`,
      { method: 'POST', headers: { origin: APP } },
    );
    const body = await response.json();
    expect(body.object).toBe('token');
    expect((await verifyToken(body.jwt, { jwtKey: world.clerk.jwtKey, authorizedParties: [APP] })).sid).toBe(
      signIn.sessionId,
    );
  });

  it('stops minting once the session is revoked from the backend', async () => {
    const signIn = await signInByEmail(world.clerk, 'revoked@example.com', { redirectUrl: `${APP}/` });
    await world.backend.sessions.revokeSession(signIn.sessionId);
    const response = await fetch(
      `${world.clerk.url}/v1/client/sessions/${signIn.sessionId}/tokens?__clerk_db_jwt=${signIn.clientToken}`,
      { method: 'POST', headers: { origin: APP } },
    );
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].code).toBe('signed_out');
  });

  it('refuses token requests from a browser that does not own the session', async () => {
    const signIn = await signInByEmail(world.clerk, 'owner@example.com', { redirectUrl: `${APP}/` });
    const response = await fetch(`${world.clerk.url}/v1/client/sessions/${signIn.sessionId}/tokens`, {
      method: 'POST',
      headers: { origin: APP },
    });
    expect(response.status).toBe(401);
  });

  it('serves clerk.browser.js where real clerk-js is loaded from, for any version', async () => {
    for (const path of [
      '/npm/@clerk/clerk-js@6/dist/clerk.browser.js',
      '/npm/@clerk/clerk-js@latest/dist/clerk.browser.js',
      '/npm/@clerk/clerk-js@6.3.1/dist/clerk.browser.js',
    ]) {
      const response = await fetch(`${world.clerk.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/javascript/);
      const source = await response.text();
      expect(() => new Function(source)).not.toThrow();
      expect(source).toContain('window.Clerk');
    }
    expect((await fetch(`${world.clerk.url}/npm/left-pad@1/index.js`)).status).toBe(404);
  });
});
