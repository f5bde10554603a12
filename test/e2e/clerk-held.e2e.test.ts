import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../src/core/types.js';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import { startWorld, type World } from './world.js';

const DRIVE = 'https://www.googleapis.com/auth/drive.readonly';
const TOKEN_ROUTE = '/v1/users/:userId/oauth_access_tokens/:provider';

interface ErrorBody {
  error: { code: string; reason?: string };
}

// What is cached here lives in the bridge's memory, the same on either database: SQLite keeps the suite short.
describe('Clerk-held Google accounts under TOKEN_SOURCE=auto (through HTTP, with the Clerk emulator)', () => {
  let world: World;
  let events: BridgeEvent[];
  beforeEach(async () => {
    world = await startWorld('sqlite');
    events = [];
    world.service.bridge.on((event) => events.push(event));
  });
  afterEach(async () => {
    await world?.close();
  });

  const clerk = () => world.sandbox.clerk.control;
  const clerkTokenCalls = () => clerk().counters().calls[TOKEN_ROUTE] ?? 0;
  const tokenFor = (who: BrowserSignIn) => world.call('/api/google-token?scope=drive.readonly', { who });
  /** Signs in at Clerk and waits for the user.created webhook, so it cannot land in the middle of a test. */
  const signIn = async (email: string) => {
    const who = await world.signIn(email);
    await clerk().webhooksIdle();
    return who;
  };
  const linkAtClerk = async (who: BrowserSignIn, account: { sub: string; email: string; refreshToken?: string }) => {
    clerk().linkGoogleAccount(who.userId, {
      ...account,
      accessToken: `ya29.clerk-held-${account.sub}`,
      expiresInSeconds: 3599,
      scopes: ['openid', 'email', DRIVE],
    });
    // Clerk announces the change with user.updated; the bridge hears it before the next request.
    await clerk().webhooksIdle();
  };

  it('a user with no Google account anywhere costs one Clerk call per minute, not one per request', async () => {
    const noah = await signIn('noah@example.test');
    const before = clerkTokenCalls();
    for (let i = 0; i < 5; i++) {
      const response = await tokenFor(noah);
      expect(response.status).toBe(409);
      expect(((await response.json()) as ErrorBody).error.code).toBe('not_connected');
    }
    expect((await (await world.call('/api/google/connection', { who: noah })).json()) as unknown).toMatchObject({
      connection: null,
    });
    expect(clerkTokenCalls()).toBe(before + 1);

    // The answer is remembered briefly: a minute later Clerk is asked again.
    world.clock.advance(60_000);
    expect((await tokenFor(noah)).status).toBe(409);
    expect(clerkTokenCalls()).toBe(before + 2);
  });

  it('linking Google at Clerk (the user.updated webhook) ends the remembered "no account" at once', async () => {
    const olga = await signIn('olga@example.test');
    expect((await tokenFor(olga)).status).toBe(409);

    await linkAtClerk(olga, { sub: '105555555555555555555', email: 'olga@example.test', refreshToken: '1//olga' });
    const response = await tokenFor(olga);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      source: 'clerk',
      accessToken: 'ya29.clerk-held-105555555555555555555',
    });
  });

  it('Clerk’s 422 raises connection.needs_reconnect once, however many requests meet it, and recovery once', async () => {
    const lena = await signIn('lena@example.test');
    // A Google account Clerk holds without a refresh token: once its access token expires, Clerk answers 422.
    await linkAtClerk(lena, { sub: '106666666666666666666', email: 'lena@example.test' });
    expect((await tokenFor(lena)).status).toBe(200);
    clerk().expireGoogleAccessTokens(lena.userId);
    world.clock.advance(3600_000);

    for (let i = 0; i < 3; i++) {
      const response = await tokenFor(lena);
      expect(response.status).toBe(409);
      expect(((await response.json()) as ErrorBody).error).toMatchObject({
        code: 'reconnect_required',
        reason: 'missing_refresh_token',
      });
    }
    const shown = (await (await world.call('/api/google/connection', { who: lena })).json()) as {
      connection: { status: string; source: string };
    };
    expect(shown.connection).toMatchObject({ status: 'needs_reconnect', source: 'clerk' });
    const announced = events.filter((e) => e.type === 'connection.needs_reconnect' && e.userId === lena.userId);
    expect(announced).toEqual([
      { type: 'connection.needs_reconnect', userId: lena.userId, reason: 'missing_refresh_token' },
    ]);
    const audit = await world.service.store.listAudit({ userId: lena.userId });
    expect(audit.filter((entry) => entry.action === 'needs_reconnect')).toHaveLength(1);

    // The user reauthorizes at Clerk: the next request serves the new token and says the connection recovered.
    await linkAtClerk(lena, { sub: '106666666666666666666', email: 'lena@example.test', refreshToken: '1//lena' });
    expect((await tokenFor(lena)).status).toBe(200);
    expect((await tokenFor(lena)).status).toBe(200);
    expect(events.filter((e) => e.type === 'connection.recovered' && e.userId === lena.userId)).toHaveLength(1);
  });
});
