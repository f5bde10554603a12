import { drive } from '@googleapis/drive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenBridge } from '../../src/core/bridge.js';
import {
  NotConnectedError,
  ReconnectRequiredError,
  ScopesMissingError,
  UpstreamUnavailableError,
} from '../../src/core/errors.js';
import type { TokenBridge } from '../../src/core/types.js';
import {
  type ClerkEmulator,
  reauthorizeGoogle,
  signInWithGoogle,
  startClerkEmulator,
} from '../../src/sandbox/clerk/index.js';
import { DEFAULT_CLIENT } from '../../src/sandbox/google/index.js';
import { type Backend, type Harness, REDIRECT_URI, startHarness } from './harness.js';

const A = 'https://www.googleapis.com/auth/';
const ADA_SUB = '110169484474386276334';
const TOKEN_ROUTE = '/v1/users/:userId/oauth_access_tokens/:provider';
const tokenPath = (userId: string) => `/v1/users/${userId}/oauth_access_tokens/oauth_google`;

describe.each<Backend>(['sqlite', 'postgres'])('Clerk-held Google tokens on %s', (backend) => {
  let h: Harness;
  let clerk: ClerkEmulator;
  let bridge: TokenBridge;
  const clerkCalls = () => clerk.control.counters().calls[TOKEN_ROUTE] ?? 0;

  beforeAll(async () => {
    h = await startHarness(backend);
    clerk = await startClerkEmulator({
      clock: h.clock,
      google: { url: h.google.url, clientId: DEFAULT_CLIENT.clientId, clientSecret: DEFAULT_CLIENT.clientSecret },
      rateLimit: false,
    });
    h.google.control.registerClient({
      ...DEFAULT_CLIENT,
      redirectUris: [...DEFAULT_CLIENT.redirectUris, clerk.googleCallbackUrl],
    });
    bridge = createTokenBridge({
      store: h.store,
      keyring: h.keyring,
      google: {
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        redirectUri: REDIRECT_URI,
        baseUrl: h.google.url,
      },
      clerk: { secretKey: clerk.secretKey, apiUrl: clerk.url },
      tokenSource: 'auto',
      connectUrl: (scopes) => `/connect/google?${scopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&')}`,
      clock: h.clock,
      scheduler: h.scheduler,
      retry: { random: () => 0.5 },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await clerk?.close();
    await h?.close();
  });

  it('serves the Google token of a user who signed in with Google through Clerk, and it reads Drive', async () => {
    const signIn = await signInWithGoogle(clerk, {
      account: 'ada@example.com',
      additionalScopes: [`${A}drive.readonly`],
    });
    const token = await bridge.getAccessToken(signIn.userId, { scopes: ['drive.readonly'] });
    expect(token).toMatchObject({ source: 'clerk', tokenType: 'Bearer', google: { sub: ADA_SUB } });
    expect(token.scopes).toContain(`${A}drive.readonly`);
    const files = await drive({ version: 'v3', rootUrl: `${h.google.url}/` }).files.list(
      { pageSize: 3 },
      { headers: { authorization: `Bearer ${token.accessToken}` } },
    );
    expect(files.data.files?.length).toBeGreaterThan(0);
    const connection = await bridge.connection(signIn.userId);
    expect(connection).toMatchObject({ source: 'clerk', status: 'active', google: { sub: ADA_SUB } });
  });

  it('asks Clerk once per token lifetime, not once per request', async () => {
    const signIn = await signInWithGoogle(clerk, {
      account: 'grace@example.com',
      additionalScopes: [`${A}drive.readonly`],
    });
    const before = clerkCalls();
    const first = await bridge.getAccessToken(signIn.userId, { scopes: ['drive.readonly'] });
    for (let i = 0; i < 20; i++) await bridge.getAccessToken(signIn.userId, { scopes: ['drive.readonly'] });
    await Promise.all(Array.from({ length: 20 }, () => bridge.getAccessToken(signIn.userId)));
    expect(clerkCalls()).toBe(before + 1);

    // Once the token expires, one call fetches its successor (which Clerk refreshes at Google).
    h.clock.advance(3600_000);
    const next = await bridge.getAccessToken(signIn.userId, { scopes: ['drive.readonly'] });
    expect(next.accessToken).not.toBe(first.accessToken);
    for (let i = 0; i < 10; i++) await bridge.getAccessToken(signIn.userId);
    expect(clerkCalls()).toBe(before + 2);
  });

  it('a Clerk-held token that lacks a scope answers scopes_missing with a connect URL for it', async () => {
    const signIn = await signInWithGoogle(clerk, { account: 'linus@acme.test' });
    const error = await bridge.getAccessToken(signIn.userId, { scopes: ['gmail.readonly'] }).catch((e) => e);
    expect(error).toBeInstanceOf(ScopesMissingError);
    expect((error as ScopesMissingError).missing).toEqual([`${A}gmail.readonly`]);
    expect((error as ScopesMissingError).connectUrl).toContain(encodeURIComponent(`${A}gmail.readonly`));
  });

  it('a scope just added through Clerk’s reauthorize is served before Clerk’s webhook arrives, and re-checks are throttled', async () => {
    const signIn = await signInWithGoogle(clerk, {
      account: 'grace@example.com',
      additionalScopes: [`${A}drive.readonly`],
    });
    await bridge.getAccessToken(signIn.userId, { scopes: ['drive.readonly'] });
    const landed = await reauthorizeGoogle(clerk, signIn, { additionalScopes: [`${A}gmail.readonly`] });
    expect(landed.searchParams.get('clerk_error')).toBeNull();

    // No user.updated webhook reached this bridge: its cached Clerk token lacks Gmail, so it asks Clerk once more.
    const token = await bridge.getAccessToken(signIn.userId, { scopes: ['gmail.readonly'] });
    expect(token.scopes).toContain(`${A}gmail.readonly`);

    // A scope the user never granted does not turn every request into a Clerk call: one re-check per 10 s at most.
    h.clock.advance(10_000);
    const before = clerkCalls();
    const first = await bridge.getAccessToken(signIn.userId, { scopes: ['contacts.readonly'] }).catch((e) => e);
    const second = await bridge.getAccessToken(signIn.userId, { scopes: ['contacts.readonly'] }).catch((e) => e);
    expect(first).toBeInstanceOf(ScopesMissingError);
    expect(second).toBeInstanceOf(ScopesMissingError);
    expect(clerkCalls()).toBe(before + 1);
  });

  it('under auto the bridge’s own connection wins when it covers the scopes, else the Clerk-held one serves', async () => {
    const signIn = await signInWithGoogle(clerk, {
      account: 'ada@example.com',
      additionalScopes: [`${A}drive.readonly`],
    });
    // The user's own connection is to another Google account, for Calendar only.
    await h.connect(signIn.userId, 'linus@acme.test', ['calendar.readonly'], undefined, { switchAccount: true });
    const calendar = await bridge.getAccessToken(signIn.userId, { scopes: ['calendar.readonly'] });
    expect(calendar).toMatchObject({ source: 'oauth', google: { email: 'linus@acme.test' } });
    const driveToken = await bridge.getAccessToken(signIn.userId, { scopes: ['drive.readonly'] });
    expect(driveToken).toMatchObject({ source: 'clerk', google: { sub: ADA_SUB } });
    // Neither covers Gmail: the answer is about the own connection, with a connect URL for just that scope.
    const error = await bridge.getAccessToken(signIn.userId, { scopes: ['gmail.readonly'] }).catch((e) => e);
    expect(error).toBeInstanceOf(ScopesMissingError);
    expect((error as ScopesMissingError).missing).toEqual([`${A}gmail.readonly`]);
  });

  it('tokenSource=clerk uses only the Clerk-held account, tokenSource=oauth only the own connection', async () => {
    const signIn = await signInWithGoogle(clerk, {
      account: 'ada@example.com',
      additionalScopes: [`${A}drive.readonly`],
    });
    await h.connect(signIn.userId, 'linus@acme.test', ['calendar.readonly'], undefined, { switchAccount: true });
    const make = (tokenSource: 'clerk' | 'oauth') =>
      createTokenBridge({
        store: h.store,
        keyring: h.keyring,
        google: {
          clientId: DEFAULT_CLIENT.clientId,
          clientSecret: DEFAULT_CLIENT.clientSecret,
          redirectUri: REDIRECT_URI,
          baseUrl: h.google.url,
        },
        clerk: { secretKey: clerk.secretKey, apiUrl: clerk.url },
        tokenSource,
        connectUrl: () => '/connect/google',
        clock: h.clock,
        scheduler: h.scheduler,
      });
    const clerkOnly = make('clerk');
    const oauthOnly = make('oauth');
    try {
      expect((await clerkOnly.getAccessToken(signIn.userId)).source).toBe('clerk');
      await expect(clerkOnly.getAccessToken(signIn.userId, { scopes: ['calendar.readonly'] })).rejects.toThrow(
        ScopesMissingError,
      );
      expect((await clerkOnly.connection(signIn.userId))?.source).toBe('clerk');
      expect((await oauthOnly.getAccessToken(signIn.userId)).source).toBe('oauth');
      await expect(oauthOnly.getAccessToken(signIn.userId, { scopes: ['drive.readonly'] })).rejects.toThrow(
        ScopesMissingError,
      );
    } finally {
      await clerkOnly.close();
      await oauthOnly.close();
    }
  });

  it('a Clerk user without a Google account is not_connected', async () => {
    const user = clerk.control.createUser({ email: 'plain@example.test' });
    await expect(bridge.getAccessToken(user.id, { scopes: ['drive.readonly'] })).rejects.toThrow(NotConnectedError);
    await expect(bridge.getAccessToken('user_does_not_exist')).rejects.toThrow(NotConnectedError);
    expect(await bridge.connection(user.id)).toBeNull();
  });

  it('Clerk’s 422 (no refresh token held) answers reconnect_required', async () => {
    const user = clerk.control.createUser({ email: 'norefresh@example.test' });
    clerk.control.linkGoogleAccount(user.id, {
      sub: '109999999999999999999',
      email: 'norefresh@example.test',
      accessToken: 'ya29.seeded-token',
      expiresInSeconds: 60,
      scopes: ['openid', 'email', `${A}drive.readonly`],
    });
    await expect(bridge.getAccessToken(user.id, { scopes: ['drive.readonly'] })).resolves.toMatchObject({
      source: 'clerk',
    });
    h.clock.advance(120_000);
    const error = await bridge.getAccessToken(user.id, { scopes: ['drive.readonly'] }).catch((e) => e);
    expect(error).toBeInstanceOf(ReconnectRequiredError);
    expect((error as ReconnectRequiredError).reason).toBe('missing_refresh_token');
    expect((await bridge.connection(user.id))?.status).toBe('needs_reconnect');
  });

  it('Clerk failing (5xx, 429 with Retry-After) is retried, then upstream_unavailable; a cached token keeps serving', async () => {
    const user = clerk.control.createUser({ email: 'flaky@example.test' });
    clerk.control.linkGoogleAccount(user.id, {
      sub: '108888888888888888888',
      email: 'flaky@example.test',
      accessToken: 'ya29.flaky-token',
      refreshToken: '1//flaky',
      expiresInSeconds: 3599,
      scopes: ['openid', 'email', `${A}drive.readonly`],
    });
    h.scheduler.waits.length = 0;
    clerk.control.injectFault({ endpoint: tokenPath(user.id), status: 429, retryAfterSeconds: 1, times: 1 });
    await expect(bridge.getAccessToken(user.id)).resolves.toMatchObject({ accessToken: 'ya29.flaky-token' });
    expect(h.scheduler.waits).toEqual([1000]);

    clerk.control.injectFault({ endpoint: tokenPath(user.id), status: 503, times: 1000 });
    try {
      await expect(bridge.getAccessToken(user.id)).resolves.toMatchObject({ accessToken: 'ya29.flaky-token' });
      await expect(bridge.getAccessToken(user.id, { forceRefresh: true })).resolves.toMatchObject({
        accessToken: 'ya29.flaky-token',
      });
      h.clock.advance(3600_000);
      const error = await bridge.getAccessToken(user.id).catch((e) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect((error as UpstreamUnavailableError).service).toBe('clerk');
    } finally {
      clerk.control.clearFaults();
    }
  });
});
