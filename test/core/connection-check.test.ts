import { afterEach, describe, expect, it } from 'vitest';
import { CONNECTION_CHECK_RULE } from '../../src/core/connection-check.js';
import { ReconnectRequiredError } from '../../src/core/errors.js';
import { type Harness, startHarness } from './harness.js';

// The console's load asks the bridge to check the connection with Google (`connection(userId, { checkWithGoogle })`),
// so a grant revoked at Google stops looking connected before any token request finds out.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const tokeninfoCalls = (harness: Harness) => harness.google.control.counters().calls['/tokeninfo'] ?? 0;
const refreshes = (harness: Harness) => harness.google.control.counters().grants.refresh_token ?? 0;

describe('checking a connection with Google', () => {
  it('a grant revoked at Google reads needs_reconnect (revoked), and the dead token is no longer handed out', async () => {
    h = await startHarness('sqlite');
    await h.connect('user_revoked', 'ada@example.com', ['drive.readonly']);
    expect((await h.bridge.connection('user_revoked'))?.status).toBe('active');

    h.google.control.revokeGrant({ email: 'ada@example.com' });
    // Without the check the stored state answers, as before: nothing has asked Google yet.
    expect((await h.bridge.connection('user_revoked'))?.status).toBe('active');

    const checked = await h.bridge.connection('user_revoked', { checkWithGoogle: true });
    expect(checked?.status).toBe('needs_reconnect');
    expect(checked?.reconnectReason).toBe('revoked');
    expect(checked?.accessTokenExpiresAt).toBeNull();
    await expect(h.bridge.getAccessToken('user_revoked')).rejects.toBeInstanceOf(ReconnectRequiredError);
    expect(h.events.some((e) => e.type === 'connection.needs_reconnect' && e.userId === 'user_revoked')).toBe(true);
  });

  it('a working grant costs one tokeninfo call and no refresh, and keeps serving the same token', async () => {
    h = await startHarness('sqlite');
    await h.connect('user_fine', 'grace@example.com', []);
    const before = await h.bridge.getAccessToken('user_fine');
    const [calls, grants] = [tokeninfoCalls(h), refreshes(h)];

    const checked = await h.bridge.connection('user_fine', { checkWithGoogle: true });
    expect(checked?.status).toBe('active');
    expect(tokeninfoCalls(h)).toBe(calls + 1);
    expect(refreshes(h)).toBe(grants);
    expect((await h.bridge.getAccessToken('user_fine')).accessToken).toBe(before.accessToken);
  });

  it('an access token Google dropped early is replaced by one refresh, and the connection stays active', async () => {
    h = await startHarness('sqlite');
    await h.connect('user_dropped', 'grace@example.com', []);
    const before = await h.bridge.getAccessToken('user_dropped');
    h.google.control.expireAccessTokens({ email: 'grace@example.com' });
    const grants = refreshes(h);

    const checked = await h.bridge.connection('user_dropped', { checkWithGoogle: true });
    expect(checked?.status).toBe('active');
    expect(refreshes(h)).toBe(grants + 1);
    expect((await h.bridge.getAccessToken('user_dropped')).accessToken).not.toBe(before.accessToken);
  });

  it('is rate-limited per user: past the burst the stored state answers without asking Google, and it comes back', async () => {
    h = await startHarness('sqlite');
    await h.connect('user_busy', 'grace@example.com', []);
    await h.connect('user_other', 'ada@example.com', []);
    const calls = tokeninfoCalls(h);
    for (let i = 0; i < CONNECTION_CHECK_RULE.limit + 3; i++) {
      await h.bridge.connection('user_busy', { checkWithGoogle: true });
    }
    expect(tokeninfoCalls(h)).toBe(calls + CONNECTION_CHECK_RULE.limit);

    // Another user has checks of their own.
    await h.bridge.connection('user_other', { checkWithGoogle: true });
    expect(tokeninfoCalls(h)).toBe(calls + CONNECTION_CHECK_RULE.limit + 1);

    // Once the revocation happens past the burst, the stored state answers until a check is regained.
    h.google.control.revokeGrant({ email: 'grace@example.com' });
    expect((await h.bridge.connection('user_busy', { checkWithGoogle: true }))?.status).toBe('active');
    h.clock.advance(CONNECTION_CHECK_RULE.windowMs / CONNECTION_CHECK_RULE.limit);
    expect((await h.bridge.connection('user_busy', { checkWithGoogle: true }))?.status).toBe('needs_reconnect');
  });

  it('Google not answering leaves the stored state as it is (never needs_reconnect)', async () => {
    h = await startHarness('sqlite');
    await h.connect('user_outage', 'grace@example.com', []);
    h.google.control.injectFault({ endpoint: '/tokeninfo', status: 503, times: 10 });
    h.google.control.injectFault({ endpoint: '/token', status: 503, times: 10 });
    const checked = await h.bridge.connection('user_outage', { checkWithGoogle: true });
    expect(checked?.status).toBe('active');
  });

  it('a connection already marked needs_reconnect, or none at all, costs Google nothing', async () => {
    h = await startHarness('sqlite');
    await h.connect('user_marked', 'grace@example.com', []);
    h.google.control.revokeGrant({ email: 'grace@example.com' });
    await h.bridge.connection('user_marked', { checkWithGoogle: true });
    const calls = tokeninfoCalls(h);
    expect((await h.bridge.connection('user_marked', { checkWithGoogle: true }))?.status).toBe('needs_reconnect');
    expect(await h.bridge.connection('user_nobody', { checkWithGoogle: true })).toBeNull();
    expect(tokeninfoCalls(h)).toBe(calls);
  });
});
