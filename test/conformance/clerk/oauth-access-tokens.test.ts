import { createClerkClient } from '@clerk/backend';
import { isClerkAPIResponseError } from '@clerk/backend/errors';
import { drive_v3 } from '@googleapis/drive';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reauthorizeGoogle, signInWithGoogle, startClerkEmulator } from '../../../src/sandbox/clerk/index.js';
import { ADA, CLERK_GOOGLE_CLIENT, type ClerkWorld, DRIVE_READONLY, failure, GRACE, startWorld } from './harness.js';

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

function drive(token: string): drive_v3.Drive {
  return new drive_v3.Drive({ rootUrl: `${world.google.url}/`, headers: { authorization: `Bearer ${token}` } });
}

async function googleToken(userId: string) {
  const { data, totalCount } = await world.backend.users.getUserOauthAccessToken(userId, 'google');
  expect(totalCount).toBe(1);
  const token = data[0];
  if (token === undefined) throw new Error('no token');
  return token;
}

describe('a user who signed in with Google through Clerk', () => {
  it('has an oauth_google external account with approved scopes and the Google sub', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA, additionalScopes: [DRIVE_READONLY] });
    const user = await world.backend.users.getUser(signIn.userId);
    expect(user.primaryEmailAddress?.emailAddress).toBe(ADA);
    const [account] = user.externalAccounts;
    expect(account?.id).toMatch(/^eac_/);
    expect(account?.provider).toBe('oauth_google');
    expect(account?.emailAddress).toBe(ADA);
    expect(account?.providerUserId).toMatch(/^\d+$/);
    expect(account?.approvedScopes.split(' ')).toEqual(expect.arrayContaining(['openid', DRIVE_READONLY]));
    expect(user.primaryEmailAddress?.linkedTo[0]?.type).toBe('oauth_google');
  });

  it('gets a Google access token from getUserOauthAccessToken that lists Drive files through @googleapis/drive', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA, additionalScopes: [DRIVE_READONLY] });
    const token = await googleToken(signIn.userId);
    expect(token.provider).toBe('oauth_google');
    expect(token.scopes).toContain(DRIVE_READONLY);
    expect(token.externalAccountId).toMatch(/^eac_/);
    expect(token.expiresAt).toBeGreaterThan(Math.floor(world.clock.now() / 1000));
    expect(JSON.stringify(token)).not.toMatch(/refresh/i);

    const files = await drive(token.token).files.list({ pageSize: 5, fields: 'files(id, name)' });
    expect(files.status).toBe(200);
    expect(files.data.files?.length).toBeGreaterThan(0);
  });

  it('gets a transparently refreshed token once the stored one has expired, and only then', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA, additionalScopes: [DRIVE_READONLY] });
    const first = await googleToken(signIn.userId);
    expect((await googleToken(signIn.userId)).token).toBe(first.token);
    expect(world.google.control.counters().grants.refresh_token).toBe(0);

    world.clock.advance(3600_000);
    const stale = await failure(drive(first.token).files.list({ pageSize: 1 }));
    expect((stale as { status?: number }).status).toBe(401);

    const second = await googleToken(signIn.userId);
    expect(second.token).not.toBe(first.token);
    expect(second.expiresAt).toBeGreaterThan(Math.floor(world.clock.now() / 1000));
    expect(world.google.control.counters().grants.refresh_token).toBe(1);
    const files = await drive(second.token).files.list({ pageSize: 1 });
    expect(files.status).toBe(200);
  });

  it('shares one refresh between concurrent callers', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA, additionalScopes: [DRIVE_READONLY] });
    world.clerk.control.expireGoogleAccessTokens(signIn.userId);
    const tokens = await Promise.all([1, 2, 3, 4].map(() => googleToken(signIn.userId)));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(world.google.control.counters().grants.refresh_token).toBe(1);
  });

  it('answers 422 oauth_token_retrieval_error when Google refuses the refresh (the grant was revoked)', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA, additionalScopes: [DRIVE_READONLY] });
    world.google.control.revokeGrant({ email: ADA });
    world.clerk.control.expireGoogleAccessTokens();
    const error = await failure(world.backend.users.getUserOauthAccessToken(signIn.userId, 'google'));
    expect(isClerkAPIResponseError(error)).toBe(true);
    if (!isClerkAPIResponseError(error)) return;
    expect(error.status).toBe(422);
    expect(error.errors[0]?.code).toBe('oauth_token_retrieval_error');
    expect(error.clerkTraceId).not.toBe('');
  });

  it('answers the non-paginated form as a bare array of the same items', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA });
    const response = await fetch(`${world.clerk.url}/v1/users/${signIn.userId}/oauth_access_tokens/oauth_google`, {
      headers: { authorization: `Bearer ${world.clerk.secretKey}` },
    });
    const body = await response.json();
    expect(Array.isArray(body)).toBe(true);
    expect(Object.keys(body[0]).sort()).toEqual(
      [
        'expires_at',
        'external_account_id',
        'id_token',
        'label',
        'object',
        'provider',
        'provider_user_id',
        'public_metadata',
        'scopes',
        'token',
        'token_secret',
      ].sort(),
    );
    expect(body[0].object).toBe('oauth_access_token');
  });

  it('forgets the Google tokens when the external account is deleted', async () => {
    const signIn = await signInWithGoogle(world.clerk, { account: ADA });
    const user = await world.backend.users.getUser(signIn.userId);
    const account = user.externalAccounts[0];
    if (account === undefined) throw new Error('no external account');
    const deleted = await world.backend.users.deleteUserExternalAccount({
      userId: signIn.userId,
      externalAccountId: account.id,
    });
    expect(deleted).toMatchObject({ object: 'external_account', id: account.id, deleted: true });
    expect((await world.backend.users.getUser(signIn.userId)).externalAccounts).toEqual([]);
    const error = await failure(world.backend.users.getUserOauthAccessToken(signIn.userId, 'google'));
    expect(isClerkAPIResponseError(error) && error.status).toBe(404);
  });

  it('answers 404 for a user without a Google account', async () => {
    const user = await world.backend.users.createUser({ emailAddress: ['nogoogle@example.com'] });
    const error = await failure(world.backend.users.getUserOauthAccessToken(user.id, 'google'));
    expect(isClerkAPIResponseError(error) && error.status).toBe(404);
  });
});

describe('a Google client shared by two Clerk instances (clerk#1827)', () => {
  it('leaves the second instance without a refresh token, so an hour later it answers 422 oauth_missing_refresh_token', async () => {
    const prod = await startClerkEmulator({
      clock: world.clock,
      rateLimit: false,
      google: { url: world.google.url, ...CLERK_GOOGLE_CLIENT },
    });
    try {
      world.google.control.registerClient({
        ...CLERK_GOOGLE_CLIENT,
        redirectUris: [world.clerk.googleCallbackUrl, prod.googleCallbackUrl],
      });
      await signInWithGoogle(world.clerk, { account: GRACE });
      const second = await signInWithGoogle(prod, { account: GRACE });
      const prodBackend = createClerkClient({ secretKey: prod.secretKey, apiUrl: prod.url });
      expect((await prodBackend.users.getUserOauthAccessToken(second.userId, 'google')).data).toHaveLength(1);

      world.clock.advance(3600_000);
      const error = await failure(prodBackend.users.getUserOauthAccessToken(second.userId, 'google'));
      expect(isClerkAPIResponseError(error)).toBe(true);
      if (!isClerkAPIResponseError(error)) return;
      expect(error.status).toBe(422);
      expect(error.errors[0]?.code).toBe('oauth_missing_refresh_token');
    } finally {
      await prod.close();
    }
  });

  it('is repaired by reauthorize with oidcPrompt consent, which makes Google issue a refresh token again', async () => {
    const prod = await startClerkEmulator({
      clock: world.clock,
      rateLimit: false,
      google: { url: world.google.url, ...CLERK_GOOGLE_CLIENT },
    });
    try {
      world.google.control.registerClient({
        ...CLERK_GOOGLE_CLIENT,
        redirectUris: [world.clerk.googleCallbackUrl, prod.googleCallbackUrl],
      });
      await signInWithGoogle(world.clerk, { account: GRACE });
      const second = await signInWithGoogle(prod, { account: GRACE, redirectUrl: 'http://localhost:3000/' });
      const landed = await reauthorizeGoogle(prod, second, { oidcPrompt: 'consent' });
      expect(landed.searchParams.get('clerk_error')).toBeNull();

      world.clock.advance(3600_000);
      const prodBackend = createClerkClient({ secretKey: prod.secretKey, apiUrl: prod.url });
      const { data } = await prodBackend.users.getUserOauthAccessToken(second.userId, 'google');
      expect(data[0]?.expiresAt).toBeGreaterThan(Math.floor(world.clock.now() / 1000));
    } finally {
      await prod.close();
    }
  });
});
