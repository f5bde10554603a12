import { existsSync, readFileSync } from 'node:fs';
import { drive } from '@googleapis/drive';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidStateError,
  NotConnectedError,
  ReconnectRequiredError,
  ScopesMissingError,
  UpstreamUnavailableError,
} from '../../src/core/errors.js';
import { type Backend, type Harness, popupCode, startHarness } from './harness.js';

const A = 'https://www.googleapis.com/auth/';
const ADA = 'ada@example.com';
const GRACE = 'grace@example.com';
const ADA_SUB = '110169484474386276334';
const GRACE_SUB = '104727018593224091586';
const HOUR = 3600_000;

const grants = (h: Harness) => h.google.control.counters().grants;

async function refreshTokenOf(h: Harness, userId: string): Promise<string | null> {
  const row = await h.store.getConnection(userId);
  return row?.refreshToken ? h.keyring.decrypt(row.refreshToken, { userId, purpose: 'refresh_token' }) : null;
}

/** Whether Google (the emulator) still honours a refresh token, asked with the real google-auth-library. */
async function refreshTokenWorks(h: Harness, refreshToken: string): Promise<boolean> {
  const client = new OAuth2Client({
    clientId: '1234567890-tokenbridge.apps.googleusercontent.com',
    clientSecret: 'GOCSPX-sandbox-secret',
    endpoints: { oauth2TokenUrl: `${h.google.url}/token` },
  });
  client.setCredentials({ refresh_token: refreshToken });
  try {
    await client.refreshAccessToken();
    return true;
  } catch {
    return false;
  }
}

describe.each<Backend>(['sqlite', 'postgres'])('the token bridge on %s against the Google emulator', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the redirect flow connects a user and the token reads their Drive with the real googleapis client', async () => {
    const authUrl = await h.connect('user_flow', ADA, ['drive.readonly']);
    const q = authUrl.searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('access_type')).toBe('offline');
    expect(q.get('include_granted_scopes')).toBe('true');
    expect(q.get('nonce')).toBeTruthy();
    expect(q.get('prompt')).toBe('consent');
    expect(q.get('scope')?.split(' ').sort()).toEqual(['email', `${A}drive.readonly`, 'openid']);

    const token = await h.bridge.getAccessToken('user_flow', { scopes: ['drive.readonly'] });
    expect(token).toMatchObject({ tokenType: 'Bearer', source: 'oauth', google: { sub: ADA_SUB, email: ADA } });
    expect(token.scopes).toContain(`${A}drive.readonly`);

    // Google itself (the emulator, asked through google-auth-library) confirms the token and what it grants.
    const info = await new OAuth2Client({ endpoints: { tokenInfoUrl: `${h.google.url}/tokeninfo` } }).getTokenInfo(
      token.accessToken,
    );
    expect(info.sub).toBe(ADA_SUB);
    expect(info.scopes).toContain(`${A}drive.readonly`);

    // And the real googleapis Drive client reads the user's files with it.
    const files = await drive({ version: 'v3', rootUrl: `${h.google.url}/` }).files.list(
      { pageSize: 5 },
      { headers: { authorization: `Bearer ${token.accessToken}` } },
    );
    expect(files.data.files?.length).toBeGreaterThan(0);

    const connection = await h.bridge.connection('user_flow');
    expect(connection).toMatchObject({ status: 'active', source: 'oauth', google: { sub: ADA_SUB, email: ADA } });
    expect(h.events.some((e) => e.type === 'connection.created' && e.userId === 'user_flow')).toBe(true);
    expect((await h.store.listAudit({ userId: 'user_flow' })).map((e) => e.action)).toContain('connect');
  });

  it('a second consent for a connected user skips prompt=consent and hints the linked account', async () => {
    const start = await h.bridge.createAuthorizationUrl({ userId: 'user_flow', scopes: ['contacts.readonly'] });
    const q = new URL(start.url).searchParams;
    expect(q.get('prompt')).toBeNull();
    expect(q.get('login_hint')).toBe(ADA);
  });

  it('a state is single use, expires after 10 minutes, and belongs to the user who started it', async () => {
    const start = await h.bridge.createAuthorizationUrl({ userId: 'user_state', scopes: [] });
    const callback = await completeConsentFor(h, start.url, ADA);
    const code = callback.searchParams.get('code')!;
    await expect(h.bridge.completeAuthorization({ userId: 'user_mallory', state: start.state, code })).rejects.toThrow(
      InvalidStateError,
    );
    // The attempt by another user burned the state: the rightful user must start again.
    await expect(h.bridge.completeAuthorization({ userId: 'user_state', state: start.state, code })).rejects.toThrow(
      InvalidStateError,
    );

    const again = await h.bridge.createAuthorizationUrl({ userId: 'user_state', scopes: [] });
    const cb2 = await completeConsentFor(h, again.url, ADA);
    await h.bridge.completeAuthorization({
      userId: 'user_state',
      state: again.state,
      code: cb2.searchParams.get('code')!,
    });
    await expect(
      h.bridge.completeAuthorization({ userId: 'user_state', state: again.state, code: cb2.searchParams.get('code')! }),
    ).rejects.toThrow(InvalidStateError);

    const late = await h.bridge.createAuthorizationUrl({ userId: 'user_state', scopes: [] });
    h.clock.advance(10 * 60_000 + 1);
    await expect(
      h.bridge.completeAuthorization({ userId: 'user_state', state: late.state, code: 'x' }),
    ).rejects.toThrow(InvalidStateError);
  });

  it('granular consent: only the ticked scopes are recorded, and the rest answer scopes_missing', async () => {
    await h.connect(
      'user_granular',
      GRACE,
      ['drive.readonly', 'gmail.readonly'],
      ['openid', 'email', 'drive.readonly'],
    );
    const connection = await h.bridge.connection('user_granular');
    expect(connection?.scopes).toContain(`${A}drive.readonly`);
    expect(connection?.scopes).not.toContain(`${A}gmail.readonly`);

    const error = await h.bridge
      .getAccessToken('user_granular', { scopes: ['gmail.readonly', 'drive.readonly'] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ScopesMissingError);
    expect((error as ScopesMissingError).missing).toEqual([`${A}gmail.readonly`]);
    expect((error as ScopesMissingError).connectUrl).toContain(encodeURIComponent(`${A}gmail.readonly`));
    await expect(h.bridge.getAccessToken('user_granular', { scopes: ['drive.readonly'] })).resolves.toBeTruthy();
  });

  it('incremental consent adds a scope and keeps the earlier ones', async () => {
    await h.connect('user_granular', GRACE, ['gmail.readonly']);
    const connection = await h.bridge.connection('user_granular');
    expect(connection?.scopes).toEqual(expect.arrayContaining([`${A}drive.readonly`, `${A}gmail.readonly`]));
    const token = await h.bridge.getAccessToken('user_granular', { scopes: ['gmail.readonly', 'drive.readonly'] });
    expect(token.scopes).toEqual(expect.arrayContaining([`${A}drive.readonly`, `${A}gmail.readonly`]));
    expect(h.events.some((e) => e.type === 'connection.updated' && e.userId === 'user_granular')).toBe(true);
  });

  it('a user with no connection answers not_connected with a connect URL', async () => {
    const error = await h.bridge.getAccessToken('user_nobody', { scopes: ['drive.readonly'] }).catch((e) => e);
    expect(error).toBeInstanceOf(NotConnectedError);
    expect((error as NotConnectedError).connectUrl).toContain('scope=');
    expect(await h.bridge.connection('user_nobody')).toBeNull();
  });

  it('an expiring token is refreshed ahead of time, and a reply without refresh_token keeps the stored one', async () => {
    await h.connect('user_refresh', ADA, ['drive.readonly']);
    const first = await h.bridge.getAccessToken('user_refresh');
    const storedRefresh = await refreshTokenOf(h, 'user_refresh');
    expect(storedRefresh).toBeTruthy();
    const before = grants(h).refresh_token;

    h.clock.advance(HOUR - 200_000); // 200 s left, below the default 300 s
    const second = await h.bridge.getAccessToken('user_refresh');
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(grants(h).refresh_token).toBe(before + 1);
    expect(await refreshTokenOf(h, 'user_refresh')).toBe(storedRefresh);

    // With minValiditySeconds 0 the same token serves until it really expires.
    h.clock.advance(HOUR - 200_000);
    expect((await h.bridge.getAccessToken('user_refresh', { minValiditySeconds: 0 })).accessToken).toBe(
      second.accessToken,
    );

    h.clock.advance(HOUR);
    const third = await h.bridge.getAccessToken('user_refresh');
    expect(third.accessToken).not.toBe(second.accessToken);
    expect(grants(h).refresh_token).toBe(before + 2);
    expect(await refreshTokenOf(h, 'user_refresh')).toBe(storedRefresh);
    expect(h.events.filter((e) => e.type === 'token.refreshed' && e.userId === 'user_refresh')).toHaveLength(2);
  });

  it('forceRefresh gets a new token even when the current one is valid', async () => {
    const current = await h.bridge.getAccessToken('user_refresh');
    const forced = await h.bridge.getAccessToken('user_refresh', { forceRefresh: true });
    expect(forced.accessToken).not.toBe(current.accessToken);
  });

  it('concurrent requests for one expired token spend exactly one refresh grant', async () => {
    await h.connect('user_storm', GRACE, ['drive.readonly']);
    h.clock.advance(2 * HOUR);
    const before = grants(h).refresh_token;
    const tokens = await Promise.all(
      Array.from({ length: 25 }, () => h.bridge.getAccessToken('user_storm', { scopes: ['drive.readonly'] })),
    );
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(grants(h).refresh_token).toBe(before + 1);
  });

  it('concurrent requests on two instances sharing the database spend exactly one refresh grant', async () => {
    const other = await h.secondInstance();
    h.clock.advance(2 * HOUR);
    const before = grants(h).refresh_token;
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? h.bridge : other.bridge).getAccessToken('user_storm')),
    );
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(grants(h).refresh_token).toBe(before + 1);
  });

  it('transient token-endpoint failures are retried within bounds, honouring Retry-After', async () => {
    h.clock.advance(2 * HOUR);
    h.scheduler.waits.length = 0;
    h.google.control.injectFault({ endpoint: '/token', status: 503, retryAfterSeconds: 2, times: 1 });
    const before = grants(h).refresh_token;
    await expect(h.bridge.getAccessToken('user_storm')).resolves.toBeTruthy();
    expect(grants(h).refresh_token).toBe(before + 1);
    expect(h.scheduler.waits).toEqual([2000]);
  });

  it('while Google is down a still-valid token is served, and an expired one answers upstream_unavailable, never reconnect', async () => {
    h.clock.advance(HOUR - 100_000); // 100 s of validity left: due for refresh, still usable
    const valid = await h.bridge.connection('user_storm');
    h.google.control.injectFault({ endpoint: '/token', status: 500, times: 1000 });
    try {
      const served = await h.bridge.getAccessToken('user_storm');
      expect(served.expiresAt).toBe(valid?.accessTokenExpiresAt);
      const noted = await h.bridge.connection('user_storm');
      expect(noted?.status).toBe('active');
      expect(noted?.lastError?.code).toBeTruthy();

      h.clock.advance(200_000);
      const error = await h.bridge.getAccessToken('user_storm').catch((e) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect((error as UpstreamUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
      expect((await h.bridge.connection('user_storm'))?.status).toBe('active');
      expect(h.events.some((e) => e.type === 'token.refresh_failed' && e.transient)).toBe(true);
    } finally {
      h.google.control.clearFaults();
    }
    await expect(h.bridge.getAccessToken('user_storm')).resolves.toBeTruthy();
    expect((await h.bridge.connection('user_storm'))?.lastError).toBeNull();
    expect(h.events.some((e) => e.type === 'connection.recovered' && e.userId === 'user_storm')).toBe(true);
  });

  it('a grant revoked at Google answers reconnect_required, and reconnecting restores the earlier scopes', async () => {
    await h.connect('user_revoked', GRACE, ['drive.readonly', 'contacts.readonly']);
    h.google.control.revokeGrant({ email: GRACE });
    h.clock.advance(2 * HOUR);
    const error = await h.bridge.getAccessToken('user_revoked', { scopes: ['drive.readonly'] }).catch((e) => e);
    expect(error).toBeInstanceOf(ReconnectRequiredError);
    expect((error as ReconnectRequiredError).reason).toBe('revoked');
    expect((error as ReconnectRequiredError).connectUrl).toContain(encodeURIComponent(`${A}contacts.readonly`));
    const dead = await h.bridge.connection('user_revoked');
    expect(dead).toMatchObject({ status: 'needs_reconnect', reconnectReason: 'revoked' });
    expect(h.events).toContainEqual({ type: 'connection.needs_reconnect', userId: 'user_revoked', reason: 'revoked' });

    // The reconnect asks for consent again, including what the dead grant held.
    const authUrl = await h.connect('user_revoked', GRACE, ['drive.readonly']);
    expect(authUrl.searchParams.get('prompt')).toBe('consent');
    expect(authUrl.searchParams.get('scope')).toContain(`${A}contacts.readonly`);
    const token = await h.bridge.getAccessToken('user_revoked', { scopes: ['drive.readonly', 'contacts.readonly'] });
    expect(token.source).toBe('oauth');
    expect((await h.bridge.connection('user_revoked'))?.status).toBe('active');
    expect(h.events.some((e) => e.type === 'connection.recovered' && e.userId === 'user_revoked')).toBe(true);
  });

  it('linking another Google account replaces the link and revokes the old grant', async () => {
    await h.connect('user_switch', ADA, ['drive.readonly']);
    const adaRefresh = await refreshTokenOf(h, 'user_switch');
    expect(await refreshTokenWorks(h, adaRefresh!)).toBe(true);
    await h.connect('user_switch', GRACE, ['drive.readonly'], undefined, { switchAccount: true });
    const connection = await h.bridge.connection('user_switch');
    expect(connection?.google).toEqual({ sub: GRACE_SUB, email: GRACE });
    expect(await refreshTokenWorks(h, adaRefresh!)).toBe(false);
    expect((await h.store.listAudit({ userId: 'user_switch' })).map((e) => e.action)).toContain('link_replaced');
  });

  it('the popup code flow (redirect_uri=postmessage) connects the user with a verified id_token', async () => {
    const code = await popupCode(h.google.url, ADA, ['openid', 'email', `${A}calendar.readonly`]);
    const connection = await h.bridge.exchangeCode({ userId: 'user_popup', code });
    expect(connection).toMatchObject({ status: 'active', google: { sub: ADA_SUB, email: ADA } });
    expect(connection.scopes).toContain(`${A}calendar.readonly`);
    await expect(h.bridge.getAccessToken('user_popup', { scopes: ['calendar.readonly'] })).resolves.toBeTruthy();
    // The same code cannot be redeemed twice.
    await expect(h.bridge.exchangeCode({ userId: 'user_popup', code })).rejects.toMatchObject({
      code: 'authorization_failed',
    });
  });

  it('disconnect revokes at Google, forgets the connection, and is idempotent', async () => {
    await h.connect('user_bye', ADA, ['drive.readonly']);
    const refresh = await refreshTokenOf(h, 'user_bye');
    await h.bridge.disconnect('user_bye');
    expect(await h.bridge.connection('user_bye')).toBeNull();
    expect(await refreshTokenWorks(h, refresh!)).toBe(false);
    await expect(h.bridge.disconnect('user_bye')).resolves.toBeUndefined();
    expect(h.events.filter((e) => e.type === 'connection.deleted' && e.userId === 'user_bye')).toHaveLength(1);
    await expect(h.bridge.getAccessToken('user_bye')).rejects.toThrow(NotConnectedError);
  });

  it('tokens are stored as ciphertext, never plaintext', async () => {
    await h.connect('user_secret', GRACE, ['drive.readonly']);
    const token = await h.bridge.getAccessToken('user_secret');
    const refresh = (await refreshTokenOf(h, 'user_secret'))!;
    const secrets = [token.accessToken, refresh, token.accessToken.slice(5, 25), refresh.slice(5, 25)];
    if (backend === 'sqlite') {
      const raw = [h.dbFile!, `${h.dbFile}-wal`]
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f).toString('latin1'))
        .join('');
      expect(raw.length).toBeGreaterThan(0);
      expect(raw).toContain('user_secret');
      for (const secret of secrets) expect(raw).not.toContain(secret);
    } else {
      const row = await h.store.getConnection('user_secret');
      const dump = JSON.stringify(row);
      for (const secret of secrets) expect(dump).not.toContain(secret);
    }
  });

  it('no token, code, client secret or key ever reached a log line', () => {
    expect(h.logs.length).toBeGreaterThan(0);
    expect(h.secrets.size).toBeGreaterThan(10);
    const everything = h.logs.join('\n');
    for (const secret of h.secrets) expect(everything.includes(secret), 'a secret was logged').toBe(false);
  });
});

async function completeConsentFor(h: Harness, url: string, account: string): Promise<URL> {
  const { completeConsent } = await import('../../src/sandbox/google/index.js');
  void h;
  return completeConsent(url, { account });
}
