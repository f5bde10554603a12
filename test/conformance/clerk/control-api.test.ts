import { verifyToken } from '@clerk/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClerkWorld, startWorld } from './harness.js';

let world: ClerkWorld;
beforeAll(async () => {
  world = await startWorld({ rateLimit: { requests: 100, windowSeconds: 10 } });
});
afterAll(() => world.close());

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${world.clerk.url}/__emulator${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

describe('the HTTP control API under /__emulator/', () => {
  it('answers /healthz once it is ready, uncounted and untouched by injected faults', async () => {
    expect((await control('POST', '/faults', { endpoint: '/healthz', status: 503, times: 1 })).status).toBe(200);
    const response = await fetch(`${world.clerk.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    await control('POST', '/reset');
  });

  it('creates a user and a session and mints a token the SDK verifies', async () => {
    const user = await control('POST', '/users', { email: 'ctl@example.com', firstName: 'Ctl' });
    expect(user.status).toBe(200);
    expect(user.body.id).toMatch(/^user_/);
    const session = await control('POST', '/sessions', { userId: user.body.id });
    const token = await control('POST', `/sessions/${session.body.id}/token`, { azp: 'http://localhost:3000' });
    const claims = await verifyToken(token.body.jwt, {
      jwtKey: world.clerk.jwtKey,
      authorizedParties: ['http://localhost:3000'],
    });
    expect(claims.sub).toBe(user.body.id);
  });

  it('switches the rate limit and arms faults, which the reset clears', async () => {
    expect((await control('PUT', '/rate-limit', { requests: 1, windowSeconds: 60 })).status).toBe(200);
    const headers = { authorization: `Bearer ${world.clerk.secretKey}` };
    expect((await fetch(`${world.clerk.url}/v1/users`, { headers })).status).toBe(200);
    const limited = await fetch(`${world.clerk.url}/v1/users`, { headers });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');

    expect((await control('POST', '/faults', { endpoint: '/v1/jwks', status: 502, times: 1 })).status).toBe(200);
    expect((await control('GET', '/faults')).body.faults).toHaveLength(1);
    const counters = await control('GET', '/counters');
    expect(counters.body.calls['/v1/users']).toBe(2);

    expect((await control('POST', '/reset')).status).toBe(200);
    expect((await control('GET', '/faults')).body.faults).toHaveLength(0);
    expect((await fetch(`${world.clerk.url}/v1/users`, { headers })).status).toBe(200);
    expect((await control('GET', '/rate-limit')).body.rateLimit).toEqual({ requests: 100, windowSeconds: 10 });
  });

  it('moves the clock forward', async () => {
    const before = (await control('GET', '/clock')).body.epochMs;
    const after = (await control('POST', '/clock/advance', { seconds: 90 })).body.epochMs;
    expect(after - before).toBe(90_000);
  });

  it('answers unknown ids with 404 and bad input with 422, in Clerk’s error shape', async () => {
    const missing = await control('POST', '/sessions', { userId: 'user_missing' });
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].code).toBe('resource_not_found');
    const bad = await control('PUT', '/rate-limit', { requests: 'lots' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].long_message).toEqual(expect.any(String));
  });
});
