import { afterEach, describe, expect, it } from 'vitest';
import { createTokenBridge } from '../../src/core/bridge.js';
import { NotConnectedError, ReconnectRequiredError } from '../../src/core/errors.js';
import { DEFAULT_CLIENT } from '../../src/sandbox/google/index.js';
import { type Backend, changeHeard, feedLive, type Harness, REDIRECT_URI, startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each<Backend>(['sqlite', 'postgres'])('the in-memory hot path on %s', (backend) => {
  it('a warm token is served with no database round trip', async () => {
    h = await startHarness(backend);
    await h.connect('user_hot', 'ada@example.com', ['drive.readonly']);
    let reads = 0;
    const counted = new Proxy(h.store, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property === 'getConnection') {
          return (userId: string) => {
            reads++;
            return target.getConnection(userId);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const bridge = createTokenBridge({
      store: counted,
      keyring: h.keyring,
      google: {
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        redirectUri: REDIRECT_URI,
        baseUrl: h.google.url,
      },
      tokenSource: 'oauth',
      connectUrl: () => '/connect/google',
      clock: h.clock,
      scheduler: h.scheduler,
    });
    try {
      await feedLive(h.store);
      const first = await bridge.getAccessToken('user_hot', { scopes: ['drive.readonly'] });
      const readsAfterWarmUp = reads;
      for (let i = 0; i < 50; i++) {
        expect((await bridge.getAccessToken('user_hot', { scopes: ['drive.readonly'] })).accessToken).toBe(
          first.accessToken,
        );
      }
      expect(reads).toBe(readsAfterWarmUp);
    } finally {
      await bridge.close();
    }
  });

  it('a warm answer changed by one caller is not what the next caller gets', async () => {
    h = await startHarness(backend);
    await feedLive(h.store);
    await h.connect('user_shared_answer', 'ada@example.com', ['drive.readonly']);
    const first = await h.bridge.getAccessToken('user_shared_answer');
    const pristine = structuredClone(first);
    first.accessToken = 'changed';
    first.expiresAt = 'changed';
    first.scopes.push('changed');
    first.google.email = 'changed';
    const second = await h.bridge.getAccessToken('user_shared_answer');
    expect(second).toEqual(pristine);
  });

  it('a disconnect on one instance is seen by another instance’s cache', async () => {
    h = await startHarness(backend);
    const other = await h.secondInstance();
    await Promise.all([feedLive(h.store), feedLive(other.store)]);
    await h.connect('user_shared', 'grace@example.com', []);
    await expect(other.bridge.getAccessToken('user_shared')).resolves.toBeTruthy();
    await expect(other.bridge.getAccessToken('user_shared')).resolves.toBeTruthy();

    const heard = changeHeard(other.store, (c) => c.userId === 'user_shared' && c.version === null);
    await h.bridge.disconnect('user_shared');
    await heard;
    await expect(other.bridge.getAccessToken('user_shared')).rejects.toThrow(NotConnectedError);
  });

  it('a grant found revoked by one instance answers reconnect_required on another at once', async () => {
    h = await startHarness(backend);
    const other = await h.secondInstance();
    await Promise.all([feedLive(h.store), feedLive(other.store)]);
    await h.connect('user_revoked', 'ada@example.com', []);
    await expect(other.bridge.getAccessToken('user_revoked', { minValiditySeconds: 0 })).resolves.toBeTruthy();

    h.google.control.revokeGrant({ email: 'ada@example.com' });
    h.clock.advance(2 * 3600_000);
    const heard = changeHeard(other.store, (c) => c.userId === 'user_revoked');
    await expect(h.bridge.getAccessToken('user_revoked')).rejects.toThrow(ReconnectRequiredError);
    await heard;
    const grantsBefore = h.google.control.counters().grants.refresh_token;
    await expect(other.bridge.getAccessToken('user_revoked')).rejects.toThrow(ReconnectRequiredError);
    expect(h.google.control.counters().grants.refresh_token).toBe(grantsBefore);
  });
});
