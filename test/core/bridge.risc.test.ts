import { afterEach, describe, expect, it } from 'vitest';
import { InvalidRequestError, ReconnectRequiredError, StorageUnavailableError } from '../../src/core/errors.js';
import type { RiscEvent } from '../../src/core/risc.js';
import { DEFAULT_CLIENT } from '../../src/sandbox/google/index.js';
import { type Backend, changeHeard, feedLive, type Harness, startHarness } from './harness.js';

const ADA_SUB = '110169484474386276334';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A verified event as `createRiscVerifier().verify` would return it. */
const event = (harness: Harness, jti: string, body: Partial<RiscEvent> & Pick<RiscEvent, 'type'>): RiscEvent =>
  ({
    jti,
    issuedAt: Math.floor(harness.clock.now() / 1000),
    audience: DEFAULT_CLIENT.clientId,
    ...body,
  }) as RiscEvent;

describe.each<Backend>(['sqlite', 'postgres'])('bridge.applySecurityEvents on %s', (backend) => {
  it('an account named by email is marked on another instance too, whose memory the change feed clears', async () => {
    h = await startHarness(backend);
    const other = await h.secondInstance();
    await Promise.all([feedLive(h.store), feedLive(other.store)]);
    await h.connect('user_ada', 'ada@example.com', []);
    // The other instance holds the token in memory.
    await expect(other.bridge.getAccessToken('user_ada')).resolves.toBeTruthy();

    const heard = changeHeard(other.store, (c) => c.userId === 'user_ada');
    const result = await h.bridge.applySecurityEvents([
      event(h, 'jti-email', { type: 'sessions-revoked', subject: { type: 'email', email: 'ADA@example.com' } }),
    ]);
    expect(result).toEqual({ duplicate: false, affectedUserIds: ['user_ada'], staleUserIds: [] });
    await heard;
    const refused = await other.bridge.getAccessToken('user_ada').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ReconnectRequiredError);
    expect((refused as ReconnectRequiredError).reason).toBe('revoked');

    expect(await other.bridge.applySecurityEvents([event(h, 'jti-email', { type: 'verification' })])).toMatchObject({
      duplicate: true,
    });
  });

  it('a store failure while applying rethrows and leaves the jti unclaimed, so the redelivery is applied', async () => {
    h = await startHarness(backend);
    await h.connect('user_ada', 'ada@example.com', []);
    const revoked = event(h, 'jti-retry', {
      type: 'tokens-revoked',
      subject: { type: 'iss-sub', iss: 'https://accounts.google.com/', sub: ADA_SUB },
    });
    const find = h.store.findConnectionsByGoogleSub.bind(h.store);
    h.store.findConnectionsByGoogleSub = async () => {
      throw new StorageUnavailableError(new Error('connection reset'));
    };
    try {
      await expect(h.bridge.applySecurityEvents([revoked])).rejects.toThrow(StorageUnavailableError);
    } finally {
      h.store.findConnectionsByGoogleSub = find;
    }
    expect((await h.store.getConnection('user_ada'))?.status).toBe('active');

    await expect(h.bridge.applySecurityEvents([revoked])).resolves.toMatchObject({
      duplicate: false,
      affectedUserIds: ['user_ada'],
    });
    expect(await h.store.getConnection('user_ada')).toMatchObject({ status: 'needs_reconnect', refreshToken: null });
  });

  it('refuses anything but the events of one token', async () => {
    h = await startHarness(backend);
    await expect(h.bridge.applySecurityEvents([])).rejects.toThrow(InvalidRequestError);
    await expect(
      h.bridge.applySecurityEvents([event(h, 'a', { type: 'verification' }), event(h, 'b', { type: 'verification' })]),
    ).rejects.toThrow(InvalidRequestError);
    await expect(h.bridge.applySecurityEvents(null as unknown as RiscEvent[])).rejects.toThrow(InvalidRequestError);
  });
});
