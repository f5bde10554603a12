import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ADA,
  APP,
  CONTACTS_READONLY,
  DRIVE_READONLY,
  failure,
  GRACE,
  type Harness,
  startHarness,
  TESTING_APP,
} from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
beforeEach(() => h.google.control.reset());
afterAll(() => h.close());

/** Runs consent with `access_type=offline` and exchanges the code; returns a client holding the tokens. */
async function connected(options: { account?: string; app?: typeof APP; scope?: string[] } = {}) {
  const client = h.oauthClient(options.app ?? APP);
  const callback = await h.authorize(
    client,
    { scope: options.scope ?? ['openid', 'email', DRIVE_READONLY], access_type: 'offline', prompt: 'consent' },
    { account: options.account ?? ADA },
  );
  const { tokens } = await client.getToken(callback.searchParams.get('code')!);
  client.setCredentials(tokens);
  return { client, tokens };
}

describe('refresh tokens and access-token expiry', () => {
  it('refreshes eagerly once the access token is about to expire, keeping the refresh token it has', async () => {
    const { client, tokens } = await connected();
    // GAL measures expiry with the real Date.now(): mark the token as expiring, as it would be an hour later.
    client.setCredentials({ ...tokens, expiry_date: Date.now() + 60_000 });
    const before = h.google.control.counters().grants.refresh_token;
    const { token } = await client.getAccessToken();
    expect(token).not.toBe(tokens.access_token);
    expect(h.google.control.counters().grants.refresh_token).toBe(before + 1);
    expect(client.credentials.refresh_token).toBe(tokens.refresh_token);
    const info = await client.getTokenInfo(token!);
    expect(info.scopes).toContain(DRIVE_READONLY);
    expect(info.access_type).toBe('offline');
  });

  it('treats an access token as dead once the emulator clock passes its lifetime, and the 401 makes GAL refresh', async () => {
    const { client, tokens } = await connected();
    h.google.control.advanceClock(3600);
    expect((await failure(() => client.getTokenInfo(tokens.access_token!))).data?.error).toBe('invalid_token');
    // An app that stashed its tokens without expiry_date: the 401 from userinfo makes GAL refresh and retry once.
    client.setCredentials({ access_token: tokens.access_token!, refresh_token: tokens.refresh_token! });
    const response = await client.request<{ email: string }>({ url: `${h.google.url}/v1/userinfo` });
    expect(response.data.email).toBe(ADA);
    expect(client.credentials.access_token).not.toBe(tokens.access_token);
  });

  it('honours a token lifetime set through the control API', async () => {
    h.google.control.setTokenLifetime(APP.clientId, 1800);
    const { client, tokens } = await connected();
    expect(tokens.expiry_date! - Date.now()).toBeLessThanOrEqual(1800_000);
    expect(tokens.expiry_date! - Date.now()).toBeGreaterThan(1700_000);
    expect((await client.getTokenInfo(tokens.access_token!)).expiry_date).toBeLessThanOrEqual(Date.now() + 1800_000);
  });

  it('expires access tokens on demand through the control API', async () => {
    const { client, tokens } = await connected();
    expect(h.google.control.expireAccessTokens({ email: ADA })).toBeGreaterThan(0);
    expect((await failure(() => client.getTokenInfo(tokens.access_token!))).status).toBe(400);
    client.setCredentials({ refresh_token: tokens.refresh_token! });
    expect((await client.refreshAccessToken()).credentials.access_token).toBeDefined();
  });

  it('after revokeToken the whole grant is gone: refresh answers invalid_grant "Token has been expired or revoked."', async () => {
    const { client, tokens } = await connected();
    const revoked = await client.revokeToken(tokens.access_token!);
    expect(revoked.status).toBe(200);
    const result = await failure(() => client.refreshAccessToken());
    expect(result.message).toBe('invalid_grant');
    expect(result.data).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    // Revoking again: the token is no longer known.
    expect((await failure(() => client.revokeToken(tokens.refresh_token!))).data?.error).toBe('invalid_token');
    // The consent went with it: the next authorization without prompt=consent shows consent and gives a refresh token.
    const again = await h.authorize(client, { scope: ['openid', 'email', DRIVE_READONLY], access_type: 'offline' });
    expect(again.searchParams.get('prompt')).toBe('consent');
    expect((await client.getToken(again.searchParams.get('code')!)).tokens.refresh_token).toBeDefined();
  });

  it('revoking a refresh token also kills the access tokens of the grant', async () => {
    const { client, tokens } = await connected();
    await client.revokeToken(tokens.refresh_token!);
    expect((await failure(() => client.getTokenInfo(tokens.access_token!))).data?.error).toBe('invalid_token');
  });

  it('revoking a grant from the account’s security page (control API) ends only that account’s grant', async () => {
    const ada = await connected({ account: ADA });
    const grace = await connected({ account: GRACE });
    const response = await fetch(`${h.google.url}/__emulator/grants/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADA, clientId: APP.clientId }),
    });
    expect(response.status).toBe(200);
    expect((await failure(() => ada.client.refreshAccessToken())).data?.error).toBe('invalid_grant');
    expect((await grace.client.refreshAccessToken()).credentials.access_token).toBeDefined();
  });

  it('gives a Testing-status app refresh_token_expires_in and refuses the refresh token after 7 days', async () => {
    const { client, tokens } = await connected({ app: TESTING_APP });
    expect((tokens as Record<string, unknown>).refresh_token_expires_in).toBe(604799);
    h.google.control.advanceClock(6 * 86_400);
    const refreshed = await client.refreshAccessToken();
    expect(refreshed.credentials.access_token).toBeDefined();
    expect((refreshed.res!.data as Record<string, number>).refresh_token_expires_in).toBe(604799 - 6 * 86_400);
    h.google.control.advanceClock(86_400);
    const result = await failure(() => client.refreshAccessToken());
    expect(result.data).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
  });

  it('does not time-limit a Testing-status grant of sign-in scopes only', async () => {
    const { client, tokens } = await connected({ app: TESTING_APP, scope: ['openid', 'email', 'profile'] });
    expect(tokens).not.toHaveProperty('refresh_token_expires_in');
    h.google.control.advanceClock(30 * 86_400);
    expect((await client.refreshAccessToken()).credentials.access_token).toBeDefined();
  });

  it('keeps at most 100 live refresh tokens per account and client: the oldest dies silently', async () => {
    const first = await connected({ scope: ['openid', CONTACTS_READONLY] });
    const second = await connected({ scope: ['openid', CONTACTS_READONLY] });
    for (let i = 0; i < 98; i++) await connected({ scope: ['openid', CONTACTS_READONLY] });
    // 100 live: all still work.
    expect((await first.client.refreshAccessToken()).credentials.access_token).toBeDefined();
    await connected({ scope: ['openid', CONTACTS_READONLY] });
    expect((await failure(() => first.client.refreshAccessToken())).data?.error).toBe('invalid_grant');
    expect((await second.client.refreshAccessToken()).credentials.access_token).toBeDefined();
    // Another account's tokens are not affected by this account's limit.
    const other = await connected({ account: GRACE, scope: ['openid', CONTACTS_READONLY] });
    expect((await other.client.refreshAccessToken()).credentials.access_token).toBeDefined();
  });
});
