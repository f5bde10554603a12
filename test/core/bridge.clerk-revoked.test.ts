import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenBridge } from '../../src/core/bridge.js';
import { ReconnectRequiredError } from '../../src/core/errors.js';
import type { TokenBridge } from '../../src/core/types.js';
import {
  type ClerkEmulator,
  reauthorizeGoogle,
  signInWithGoogle,
  startClerkEmulator,
} from '../../src/sandbox/clerk/index.js';
import { DEFAULT_CLIENT } from '../../src/sandbox/google/index.js';
import { type Harness, REDIRECT_URI, startHarness } from './harness.js';

// A Google account linked in Clerk whose grant the person revoked at Google. Clerk keeps handing out the access token
// it holds until that expires (it refreshes only then), so only Google can say the token is dead: a connection view
// checked with Google (the console's page load) finds out, and from then on the account needs a reconnect.

const A = 'https://www.googleapis.com/auth/';
const TOKENINFO = '/tokeninfo';

describe('a Clerk-held Google account revoked at Google', () => {
  let h: Harness;
  let clerk: ClerkEmulator;
  let bridge: TokenBridge;
  const tokeninfoCalls = () => h.google.control.counters().calls[TOKENINFO] ?? 0;

  beforeEach(async () => {
    h = await startHarness('sqlite');
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
      tokenSource: 'clerk',
      connectUrl: () => '/connect/google',
      clock: h.clock,
      scheduler: h.scheduler,
      retry: { random: () => 0.5 },
    });
  });
  afterEach(async () => {
    await bridge?.close();
    await clerk?.close();
    await h?.close();
  });

  it('a checked view says needs_reconnect (revoked), and the dead token is no longer served', async () => {
    const signIn = await signInWithGoogle(clerk, {
      account: 'ada@example.com',
      additionalScopes: [`${A}drive.readonly`],
    });
    const before = await bridge.getAccessToken(signIn.userId, { scopes: ['drive.readonly'] });
    expect(h.google.control.revokeGrant({ email: 'ada@example.com' })).toBeGreaterThan(0);

    // Unchecked, nothing has told the bridge: Clerk still hands out the same token.
    expect(await bridge.connection(signIn.userId)).toMatchObject({ source: 'clerk', status: 'active' });
    const checked = await bridge.connection(signIn.userId, { checkWithGoogle: true });
    expect(checked).toMatchObject({
      source: 'clerk',
      status: 'needs_reconnect',
      reconnectReason: 'revoked',
      lastError: { code: 'google_refused_token' },
    });
    // Every later view (checked or not) still names the account and the access reconnecting asks for again.
    expect(await bridge.connection(signIn.userId)).toMatchObject({
      status: 'needs_reconnect',
      google: { email: 'ada@example.com' },
      scopes: expect.arrayContaining([`${A}drive.readonly`]),
    });
    const refused = await bridge.getAccessToken(signIn.userId, { scopes: ['drive.readonly'] }).catch((e) => e);
    expect(refused).toBeInstanceOf(ReconnectRequiredError);
    expect((refused as ReconnectRequiredError).reason).toBe('revoked');

    // Reconnecting the Clerk way gives Clerk a new token, which serves again.
    const landed = await reauthorizeGoogle(clerk, signIn, {
      additionalScopes: [`${A}drive.readonly`],
      oidcPrompt: 'consent',
      account: 'ada@example.com',
    });
    expect(landed.searchParams.get('clerk_error')).toBeNull();
    const after = await bridge.getAccessToken(signIn.userId, { scopes: ['drive.readonly'], forceRefresh: true });
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(await bridge.connection(signIn.userId, { checkWithGoogle: true })).toMatchObject({ status: 'active' });
  });

  it('a live token passes the check, and a page reloaded in a loop costs Google one call per 30 s at most', async () => {
    const signIn = await signInWithGoogle(clerk, { account: 'grace@example.com' });
    const first = tokeninfoCalls();
    for (let i = 0; i < 20; i++) {
      expect(await bridge.connection(signIn.userId, { checkWithGoogle: true })).toMatchObject({ status: 'active' });
    }
    expect(tokeninfoCalls() - first).toBe(5);
    h.clock.advance(30_000);
    await bridge.connection(signIn.userId, { checkWithGoogle: true });
    await bridge.connection(signIn.userId, { checkWithGoogle: true });
    expect(tokeninfoCalls() - first).toBe(6);
  });
});
