import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import type { FaultSpec } from '../../src/sandbox/kit/faults.js';
import { startWorld, type World } from '../e2e/world.js';

interface TokenBody {
  accessToken: string;
  source: string;
}
interface ErrorBody {
  error: { code: string; service?: string };
}

const DRIVE = 'https://www.googleapis.com/auth/drive.readonly';
const ENDPOINT = '/v1/users/*';
const FAULTS: Array<[string, FaultSpec]> = [
  ['500', { endpoint: ENDPOINT, status: 500, times: 100 }],
  ['502', { endpoint: ENDPOINT, status: 502, times: 100 }],
  ['503', { endpoint: ENDPOINT, status: 503, times: 100 }],
  ['429 with Retry-After', { endpoint: ENDPOINT, status: 429, retryAfterSeconds: 3, times: 100 }],
];
const MAX_ATTEMPTS = 3;

let world: World;
let linus: BrowserSignIn;
beforeAll(async () => {
  world = await startWorld('sqlite');
  linus = await world.signIn('linus@acme.test');
});
afterAll(() => world.close());

/**
 * A Google account linked through Clerk with a fresh token: the bridge reads it with @clerk/backend. Clerk announces
 * the link with a user.updated webhook, which makes the bridge forget what it cached; it is awaited, so it cannot
 * land in the middle of a case.
 */
const link = async () => {
  world.sandbox.clerk.control.linkGoogleAccount(linus.userId, {
    sub: '109876543210987654321',
    email: 'linus@acme.test',
    accessToken: `ya29.clerk-held-${Math.random().toString(36).slice(2)}`,
    expiresInSeconds: 3600,
    scopes: ['openid', 'email', DRIVE],
  });
  await world.sandbox.clerk.control.webhooksIdle();
};

beforeEach(async () => {
  world.sandbox.clerk.control.clearFaults();
  await link();
});

/** The bridge, both emulators and @clerk/backend share the world's frozen clock: this moves all of them. */
const advance = (ms: number) => world.clock.advance(ms);
const token = () => world.call('/api/google-token?scope=drive.readonly', { who: linus });
const backendCalls = () =>
  Object.entries(world.sandbox.clerk.control.counters().calls)
    .filter(([route]) => route.includes('oauth_access_tokens'))
    .reduce((n, [, count]) => n + count, 0);

describe.each(FAULTS)('Clerk’s Backend API failing with %s', (_name, fault) => {
  it('a still-valid Clerk-held token is served meanwhile; once it expires, 503 upstream_unavailable with Retry-After; recovery after', async () => {
    // The token an earlier case cached has expired by now, so this case starts by asking Clerk.
    const first = await token();
    expect(first.status).toBe(200);
    const held = (await first.json()) as TokenBody;
    expect(held.source).toBe('clerk');

    // Within the last seconds of its life the bridge asks Clerk again; Clerk fails; the token still works.
    advance(3597_000);
    world.sandbox.clerk.control.injectFault(fault);
    const before = backendCalls();
    const meanwhile = await token();
    expect(meanwhile.status).toBe(200);
    expect(((await meanwhile.json()) as TokenBody).accessToken).toBe(held.accessToken);
    expect(backendCalls() - before).toBeGreaterThanOrEqual(1);
    expect(backendCalls() - before).toBeLessThanOrEqual(MAX_ATTEMPTS);

    advance(60_000);
    const down = await token();
    expect(down.status).toBe(503);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(fault.retryAfterSeconds ?? 1);
    expect(((await down.json()) as ErrorBody).error).toMatchObject({ code: 'upstream_unavailable', service: 'clerk' });

    // Clerk comes back, holding a renewed Google token: the next request is served again.
    world.sandbox.clerk.control.clearFaults();
    await link();
    const back = await token();
    expect(back.status).toBe(200);
    expect(((await back.json()) as TokenBody).source).toBe('clerk');
  });
});

describe('Clerk’s own rate limit', () => {
  it('is a transient failure: 503 upstream_unavailable with Retry-After, never reconnect_required', async () => {
    // Let the bridge's cached token from the earlier cases run out, so the next request asks Clerk, which holds a
    // fresh one.
    advance(3700_000);
    await link();
    world.sandbox.clerk.control.setRateLimit({ requests: 1, windowSeconds: 86_400 });
    try {
      expect((await token()).status).toBe(200);
      // The bridge's cached token runs out; Clerk's day-long window has not: 429.
      advance(3700_000);
      const answer = await token();
      expect(answer.status).toBe(503);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await answer.json()) as ErrorBody).error).toMatchObject({
        code: 'upstream_unavailable',
        service: 'clerk',
      });
    } finally {
      world.sandbox.clerk.control.setRateLimit(false);
    }
    // Clerk's limit lifted, and its Google token renewed meanwhile: served again.
    await link();
    expect((await token()).status).toBe(200);
  });
});
