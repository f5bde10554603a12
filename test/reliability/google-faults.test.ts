import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/core/keyring.js';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import type { FaultSpec } from '../../src/sandbox/kit/faults.js';
import { startWorld, type World } from '../e2e/world.js';

interface TokenBody {
  accessToken: string;
}
interface ErrorBody {
  error: { code: string; service?: string };
}

/** Google's token endpoint failing in each way the issue names; `times` is far above the bridge's retries. */
const FAULTS: Array<[string, FaultSpec]> = [
  ['500', { endpoint: '/token', status: 500, times: 100 }],
  ['503', { endpoint: '/token', status: 503, times: 100 }],
  ['429 with Retry-After', { endpoint: '/token', status: 429, retryAfterSeconds: 2, times: 100 }],
  ['connection resets', { endpoint: '/token', reset: true, times: 100 }],
  // Held until the case clears its faults: the bridge's own timeout ends each attempt, whatever the machine's speed.
  ['timeouts', { endpoint: '/token', hold: true, times: 100 }],
];

/** The bridge's retry policy allows 3 attempts per refresh. */
const MAX_ATTEMPTS = 3;

let world: World;
let ada: BrowserSignIn;
beforeAll(async () => {
  // A short upstream timeout, so the held calls time out without slowing the suite, yet far above what an answer
  // from the in-process emulator takes on a busy machine.
  world = await startWorld('sqlite', { httpTimeoutMs: 1000 });
  ada = await world.signIn('ada@example.com');
  await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
});
afterAll(() => world.close());

beforeEach(async () => {
  world.sandbox.google.control.clearFaults();
  // Start each case from a freshly refreshed token.
  expect((await token({ minValiditySeconds: 3000 })).status).toBe(200);
});

const token = (query: Record<string, string | number> = {}) =>
  world.call(
    `/api/google-token?${new URLSearchParams({ scope: 'drive.readonly', ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) })}`,
    { who: ada },
  );
const tokenCalls = () => world.sandbox.google.control.counters().calls['/token'] ?? 0;
const storedRefreshToken = async () => {
  const row = await world.service.store.getConnection(ada.userId);
  return Keyring.parse(world.sandbox.config.encryptionKeys).decrypt(row!.refreshToken!, {
    userId: ada.userId,
    purpose: 'refresh_token',
  });
};
const status = async () =>
  ((await (await world.call('/api/google/connection', { who: ada })).json()) as { connection: { status: string } })
    .connection.status;

describe.each(FAULTS)('Google’s token endpoint failing with %s during refreshes', (_name, fault) => {
  it('a still-valid token is served meanwhile, within bounded retries', async () => {
    const current = (await (await token()).json()) as TokenBody;
    // Inside the refresh-ahead window (less than 300 s left) but not expired.
    world.clock.advance(3400_000);
    world.sandbox.google.control.injectFault(fault);
    const before = tokenCalls();
    const answer = await token();
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as TokenBody).accessToken).toBe(current.accessToken);
    expect(tokenCalls() - before).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(tokenCalls() - before).toBeGreaterThanOrEqual(1);
  });

  it('once the token has expired: 503 upstream_unavailable with Retry-After; never needs_reconnect; the refresh token kept; recovery when the fault clears', async () => {
    const refreshToken = await storedRefreshToken();
    world.clock.advance(3700_000);
    world.sandbox.google.control.injectFault(fault);
    for (let i = 0; i < 3; i++) {
      const before = tokenCalls();
      const answer = await token();
      expect(answer.status).toBe(503);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(fault.retryAfterSeconds ?? 1);
      expect(((await answer.json()) as ErrorBody).error).toMatchObject({
        code: 'upstream_unavailable',
        service: 'google',
      });
      expect(tokenCalls() - before).toBeLessThanOrEqual(MAX_ATTEMPTS);
    }
    expect(await status()).toBe('active');
    expect(await storedRefreshToken()).toBe(refreshToken);

    world.sandbox.google.control.clearFaults();
    const recovered = await token();
    expect(recovered.status).toBe(200);
    expect(await status()).toBe('active');
  });

  it('a fault that clears within the retries is invisible to the caller', async () => {
    world.clock.advance(3700_000);
    world.sandbox.google.control.injectFault({ ...fault, times: MAX_ATTEMPTS - 1 });
    const answer = await token();
    expect(answer.status).toBe(200);
  });
});

describe('Google’s token endpoint answering invalid_grant (a real revocation, not a fault)', () => {
  it('is the one failure that marks the connection needs_reconnect', async () => {
    world.clock.advance(3700_000);
    world.sandbox.google.control.injectFault({
      endpoint: '/token',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    });
    const answer = await token();
    expect(answer.status).toBe(409);
    expect(((await answer.json()) as ErrorBody).error.code).toBe('reconnect_required');
    expect(await status()).toBe('needs_reconnect');
    // Reconnecting brings it back for the remaining cases.
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    expect(await status()).toBe('active');
  });
});
